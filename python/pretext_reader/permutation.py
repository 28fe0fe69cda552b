"""``KeyedPermutation``: Sources/PretextLoader/KeyedPermutation.swift, vectorized with numpy.

A bijection of ``0 ..< count`` keyed by a 64-bit ``key``: a balanced four-round Feistel
network over the smallest even number of bits covering ``count``, SplitMix64's mixer as the
round function, and cycle walking for values that land outside ``0 ..< count``. Element
``i`` is a pure function of ``(count, key, i)``, so any element of any epoch's order can be
computed anywhere; ``take`` computes many at once with uint64 arrays (wrapping arithmetic).
"""

import numpy as np

from .keyed_random import GAMMA, mix

__all__ = ["KeyedPermutation", "mix_array"]

_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def mix_array(z):
    """The SplitMix64 finalizer on a uint64 array (wrapping multiplies), as ``keyed_random.mix``."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> _S30)) * _C1
        z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


class KeyedPermutation:
    """``self[i]`` (one element) and ``take(indices)`` (a uint64 array) of the permutation."""

    __slots__ = ("count", "half_bits", "half_mask", "round_keys")

    def __init__(self, count, key):
        self.count = int(count)
        bits = 2
        while bits < 64 and (1 << bits) < self.count:
            bits += 2
        self.half_bits = bits // 2
        self.half_mask = (1 << self.half_bits) - 1
        k = int(key) & 0xFFFFFFFFFFFFFFFF
        keys = []
        for _ in range(4):
            k = mix((k + GAMMA) & 0xFFFFFFFFFFFFFFFF)
            keys.append(k)
        self.round_keys = tuple(keys)

    def _encrypt(self, x):
        h, m = self.half_bits, self.half_mask
        left, right = x >> h, x & m
        for key in self.round_keys:
            f = mix(right ^ key) & m
            left, right = right, left ^ f
        return left << h | right

    def __getitem__(self, i):
        i = int(i)
        if not 0 <= i < self.count:
            raise IndexError("permutation index %d out of range 0..<%d" % (i, self.count))
        x = self._encrypt(i)
        while x >= self.count:
            x = self._encrypt(x)
        return x

    def _encrypt_array(self, x):
        h, m = np.uint64(self.half_bits), np.uint64(self.half_mask)
        left, right = x >> h, x & m
        for key in self.round_keys:
            f = mix_array(right ^ np.uint64(key)) & m
            left, right = right, left ^ f
        return (left << h) | right

    def take(self, indices):
        """Elements at ``indices`` (any integer array-like, each in ``0 ..< count``) as uint64."""
        x = np.asarray(indices, dtype=np.uint64)
        if x.size and int(x.max()) >= self.count:
            raise IndexError("permutation index %d out of range 0..<%d" % (int(x.max()), self.count))
        x = self._encrypt_array(x)
        limit = np.uint64(self.count)
        outside = np.nonzero(x >= limit)[0]
        while outside.size:
            walked = self._encrypt_array(x[outside])
            x[outside] = walked
            outside = outside[walked >= limit]
        return x

    def all(self):
        """The whole permutation, ``[self[0], …, self[count - 1]]``, as a uint64 array."""
        return self.take(np.arange(self.count, dtype=np.uint64))
