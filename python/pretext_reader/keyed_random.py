"""``KeyedRandom``: the counter-based random stream of Sources/PretextCore/Random/KeyedRandom.swift.

Every value is a pure function of the key ``(seed, purpose, index, subindex)`` and the
position in the stream, so Python and Swift draw the same numbers for the same key. The
generator is SplitMix64 started from a state derived by mixing the key words;
``below`` is Lemire's multiply-shift with rejection and ``unit_double`` takes the top 53
bits. All arithmetic is on Python ints masked to 64 bits.
"""

import numpy as np

__all__ = ["KeyedRandom", "BufferedDraws", "stream_values", "mix", "PURPOSE_DYNAMIC_MASKING", "PURPOSE_STATIC_MASKING", "PURPOSE_TEST_DATA"]

_M = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15

#: Dynamic masking of one sample in one epoch (the loader): ``0x646D_736B``.
PURPOSE_DYNAMIC_MASKING = 0x646D736B
#: Static masking of one instance copy at build time: ``0x6D61_736B``.
PURPOSE_STATIC_MASKING = 0x6D61736B
#: Tests and benchmarks: ``0x7465_7374``.
PURPOSE_TEST_DATA = 0x74657374


def mix(z):
    """The SplitMix64 finalizer, a bijection on 64-bit integers."""
    z &= _M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M
    return z ^ (z >> 31)


_GAMMA64 = np.uint64(GAMMA)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
#: k·GAMMA for k = 1, 2, … (wrapping), grown on demand.
_STEPS = np.zeros(0, dtype=np.uint64)


class KeyedRandom:
    """The random stream of one key; key words are unsigned 64-bit integers."""

    __slots__ = ("state",)

    def __init__(self, seed, purpose, index, subindex=0):
        s = mix((seed + GAMMA) & _M)
        s = mix(s ^ (purpose & _M))
        s = mix(s ^ ((index * 0xD6E8FEB86659FD93) & _M))
        s = mix(s ^ ((subindex * 0xA0761D6478BD642F) & _M))
        self.state = s

    def next(self):
        """The next 64 random bits (one SplitMix64 step), as an int in ``[0, 2**64)``."""
        self.state = (self.state + GAMMA) & _M
        return mix(self.state)

    def below(self, bound):
        """A uniform int in ``[0, bound)`` (Lemire's multiply-shift with rejection); ``bound > 0``."""
        if bound <= 0:
            raise ValueError("KeyedRandom.below needs a positive bound")
        m = self.next() * bound
        if (m & _M) < bound:
            threshold = ((1 << 64) - bound) % bound
            while (m & _M) < threshold:
                m = self.next() * bound
        return m >> 64

    def unit_double(self):
        """A uniform float in ``[0, 1)`` with 53 random bits: ``(next() >> 11) * 2**-53``."""
        return (self.next() >> 11) * 1.1102230246251565e-16


def stream_values(state, count):
    """The next ``count`` values of a stream at ``state`` (``KeyedRandom.state``), as a list
    of ints: value k (from 1) is ``mix(state + k·GAMMA)``."""
    global _STEPS
    if count > len(_STEPS):
        with np.errstate(over="ignore"):
            _STEPS = np.arange(1, 2 * count + 1, dtype=np.uint64) * _GAMMA64
    with np.errstate(over="ignore"):
        z = _STEPS[:count] + np.uint64(state)
        z ^= z >> _S30
        z *= _C1
        z ^= z >> _S27
        z *= _C2
        z ^= z >> _S31
    return z.tolist()


class BufferedDraws:
    """The draws of a ``KeyedRandom``, computed ``chunk`` at a time with numpy.

    Draw k of a stream is ``mix(state + k·GAMMA)``, so a chunk of the stream is one vectorized
    mix; ``below`` and ``unit_double`` are those of ``KeyedRandom`` on the same values, in the
    same order. ``finish()`` leaves the ``KeyedRandom`` exactly where unbuffered draws would
    have (the values computed ahead and not used are given back).
    """

    __slots__ = ("random", "start", "used", "values", "at", "chunk")

    def __init__(self, random, chunk=48):
        self.random = random
        self.start = random.state
        self.used = 0
        self.values = []
        self.at = 0
        self.chunk = chunk

    def _refill(self):
        self.values = stream_values((self.start + self.used * GAMMA) & _M, self.chunk)
        self.at = 0

    def next(self):
        if self.at == len(self.values):
            self._refill()
        value = self.values[self.at]
        self.at += 1
        self.used += 1
        return value

    def below(self, bound):
        m = self.next() * bound
        if (m & _M) < bound:
            threshold = ((1 << 64) - bound) % bound
            while (m & _M) < threshold:
                m = self.next() * bound
        return m >> 64

    def unit_double(self):
        return (self.next() >> 11) * 1.1102230246251565e-16

    def finish(self):
        """Advances the wrapped ``KeyedRandom`` past the draws used, and no further."""
        self.random.state = (self.start + self.used * GAMMA) & _M
