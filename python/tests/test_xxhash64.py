import random
import unittest

from pretext_reader.xxhash64 import HAVE_XXHASH_PACKAGE, XXH64, xxh64, xxh64_pure

# From Tests/PretextCoreTests/XXHash64Tests.swift: xxh64sum (xxHash 0.8.1, seed 0) of
# bytes (7·i + 3) mod 256, i < n.
INPUT = bytes((7 * i + 3) % 256 for i in range(1000))
VECTORS = [
    (0, 0xEF46DB3751D8E999), (1, 0x1F25C8D0BC1F4BB6), (3, 0x31D2363F52E564C9), (4, 0x9BB64B7D66EE9FDA),
    (7, 0x9A7B149959CE60D8), (8, 0xDAB99D95C6F90092), (31, 0xA2AA5F33CC4A6119), (32, 0x23C3C17EF790FD97),
    (33, 0x50A7CFC7BA588784), (63, 0x5E3E54B431C7493C), (64, 0x0EB64B3EF6EEB01F), (100, 0xA61F8D4C170FE531),
    (1000, 0x5F235FA033F1A3FB),
]


class XXH64Tests(unittest.TestCase):
    def test_empty_input(self):
        self.assertEqual(xxh64(b""), 0xEF46DB3751D8E999)

    def test_reference_vectors(self):
        for n, expected in VECTORS:
            self.assertEqual(xxh64(INPUT[:n]), expected, "length %d" % n)
        self.assertEqual(xxh64(b"abc"), 0x44BC2CF5AD770999)

    def test_streaming_equals_one_shot_for_any_split(self):
        rng = random.Random(1)
        for n, expected in VECTORS:
            for _ in range(20):
                h = XXH64()
                at = 0
                while at < n:
                    step = min(n - at, 1 + rng.randrange(40))
                    h.update(INPUT[at:at + step])
                    at += step
                self.assertEqual(h.digest(), expected, "length %d" % n)

    def test_digest_does_not_change_state_and_accepts_buffers(self):
        h = XXH64().update(memoryview(INPUT[:40]))
        self.assertEqual(h.digest(), h.digest())
        h.update(bytearray(INPUT[40:100]))
        self.assertEqual(h.digest(), 0xA61F8D4C170FE531)
        self.assertEqual(h.hexdigest(), "a61f8d4c170fe531")

    def test_seed_changes_the_hash(self):
        self.assertNotEqual(xxh64(INPUT, seed=1), xxh64(INPUT, seed=0))

    def test_pure_python_and_the_xxhash_package_agree(self):
        for n, expected in VECTORS:
            self.assertEqual(xxh64_pure(INPUT[:n]), expected, "length %d" % n)
        rng = random.Random(2)
        for n in (0, 1, 31, 32, 33, 1000, 65536):
            data = bytes(rng.randrange(256) for _ in range(n))
            for seed in (0, 1, 2**64 - 1):
                self.assertEqual(xxh64(data, seed), xxh64_pure(data, seed), "length %d seed %d" % (n, seed))

    @unittest.skipUnless(HAVE_XXHASH_PACKAGE, "the xxhash package is not installed (pip install xxhash)")
    def test_the_package_is_used_when_installed(self):
        import xxhash
        self.assertEqual(xxh64(INPUT), xxhash.xxh64_intdigest(INPUT))


if __name__ == "__main__":
    unittest.main()
