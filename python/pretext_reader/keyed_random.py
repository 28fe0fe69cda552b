"""``KeyedRandom``: the counter-based random stream of Sources/PretextCore/Random/KeyedRandom.swift.

Every value is a pure function of the key ``(seed, purpose, index, subindex)`` and the
position in the stream, so Python and Swift draw the same numbers for the same key. The
generator is SplitMix64 started from a state derived by mixing the key words;
``below`` is Lemire's multiply-shift with rejection and ``unit_double`` takes the top 53
bits. All arithmetic is on Python ints masked to 64 bits.
"""

__all__ = ["KeyedRandom", "mix", "PURPOSE_DYNAMIC_MASKING", "PURPOSE_STATIC_MASKING", "PURPOSE_TEST_DATA"]

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
