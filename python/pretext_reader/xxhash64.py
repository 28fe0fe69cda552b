"""XXH64, the 64-bit xxHash: the ``xxhash`` package (PyPI) when installed, else pure Python.

Every checksum of the shard format is XXH64 with seed 0 (the value ``xxh64sum`` prints).
``xxh64`` uses the ``xxhash`` package's C implementation when it can be imported (GB/s);
``XXH64`` and ``xxh64_pure`` are the pure-Python fallback, written from the public xxHash
specification (integer arithmetic masked to 64 bits, a few MB/s: a 64 KiB block in a few
milliseconds). Both give the same value for every input (tested).
"""

import struct

try:
    import xxhash as _xxhash
except ImportError:  # the fallback below
    _xxhash = None

__all__ = ["xxh64", "xxh64_pure", "XXH64", "HAVE_XXHASH_PACKAGE"]

#: Whether ``xxh64`` runs the ``xxhash`` package's C code.
HAVE_XXHASH_PACKAGE = _xxhash is not None

_M = (1 << 64) - 1
_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _M


def _round(acc, lane):
    acc = (acc + lane * _P2) & _M
    acc = ((acc << 31) | (acc >> 33)) & _M
    return (acc * _P1) & _M


def _merge(h, v):
    h ^= _round(0, v)
    return (h * _P1 + _P4) & _M


class XXH64:
    """Streaming XXH64: call ``update`` any number of times, then ``digest()``.

    The digest equals ``xxh64`` of the concatenated input, however it was split.
    """

    def __init__(self, seed=0):
        seed &= _M
        self._seed = seed
        self._v = [(seed + _P1 + _P2) & _M, (seed + _P2) & _M, seed, (seed - _P1) & _M]
        self._total = 0
        self._pending = b""

    def update(self, data):
        """Feeds ``data`` (bytes-like) into the hash; returns ``self``."""
        data = bytes(data)
        if not data:
            return self
        self._total += len(data)
        if self._pending:
            data = self._pending + data
            self._pending = b""
        full = len(data) - len(data) % 32
        if full:
            v1, v2, v3, v4 = self._v
            lanes = struct.unpack_from("<%dQ" % (full // 8), data)
            for i in range(0, len(lanes), 4):
                a = (v1 + lanes[i] * _P2) & _M
                v1 = (((a << 31) | (a >> 33)) & _M) * _P1 & _M
                b = (v2 + lanes[i + 1] * _P2) & _M
                v2 = (((b << 31) | (b >> 33)) & _M) * _P1 & _M
                c = (v3 + lanes[i + 2] * _P2) & _M
                v3 = (((c << 31) | (c >> 33)) & _M) * _P1 & _M
                d = (v4 + lanes[i + 3] * _P2) & _M
                v4 = (((d << 31) | (d >> 33)) & _M) * _P1 & _M
            self._v = [v1, v2, v3, v4]
        self._pending = data[full:]
        return self

    def digest(self):
        """The 64-bit hash (an ``int``) of everything fed so far; the state is unchanged."""
        if self._total >= 32:
            v1, v2, v3, v4 = self._v
            h = (_rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)) & _M
            for v in (v1, v2, v3, v4):
                h = _merge(h, v)
        else:
            h = (self._seed + _P5) & _M
        h = (h + self._total) & _M
        tail = self._pending
        i, n = 0, len(tail)
        while n - i >= 8:
            (lane,) = struct.unpack_from("<Q", tail, i)
            h ^= _round(0, lane)
            h = (_rotl(h, 27) * _P1 + _P4) & _M
            i += 8
        if n - i >= 4:
            (word,) = struct.unpack_from("<I", tail, i)
            h ^= (word * _P1) & _M
            h = (_rotl(h, 23) * _P2 + _P3) & _M
            i += 4
        while i < n:
            h ^= (tail[i] * _P5) & _M
            h = (_rotl(h, 11) * _P1) & _M
            i += 1
        h ^= h >> 33
        h = (h * _P2) & _M
        h ^= h >> 29
        h = (h * _P3) & _M
        h ^= h >> 32
        return h

    def hexdigest(self):
        """``digest()`` as 16 lowercase hex digits."""
        return "%016x" % self.digest()


def xxh64_pure(data, seed=0):
    """One-shot XXH64 of ``data`` (bytes-like) with ``seed`` in pure Python; an ``int`` < 2**64."""
    return XXH64(seed).update(data).digest()


def xxh64(data, seed=0):
    """One-shot XXH64 of ``data`` (bytes-like) with ``seed``; returns an ``int`` < 2**64."""
    if _xxhash is not None:
        return _xxhash.xxh64_intdigest(data, seed)
    return XXH64(seed).update(data).digest()
