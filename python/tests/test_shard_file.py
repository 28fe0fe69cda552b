import os
import pickle
import shutil
import struct
import unittest

import numpy as np

from pretext_reader import ShardFile, ShardFormatError
from pretext_reader import format as fmt
from pretext_reader.xxhash64 import XXH64, xxh64

import support


def same_record(test, got, want):
    test.assertEqual(set(got), set(want))
    for key, value in want.items():
        if isinstance(value, np.ndarray):
            test.assertEqual(got[key].dtype, np.int64, key)
            np.testing.assert_array_equal(got[key], value, key)
        else:
            test.assertEqual(got[key], value, key)


class RoundTripTests(unittest.TestCase):
    def setUp(self):
        self.folder = os.path.join(support.scratch_dir(), self.id())
        os.makedirs(self.folder, exist_ok=True)

    def roundtrip(self, records, **kw):
        path = support.write_shard(os.path.join(self.folder, "x.ptxs"), records, **kw)
        shard = ShardFile(path)
        self.assertEqual(len(shard), len(records))
        for i, r in enumerate(records):
            same_record(self, shard[i], r)
        for got, want in zip(shard, records):
            same_record(self, got, want)
        shard.verify_blocks()
        return shard

    def test_every_schema_width_and_filter(self):
        for width, vocab in ((2, 60000), (4, 1 << 20)):
            for filt in (0, 1):
                for pairs in (False, True):
                    for masks in (False, True):
                        with self.subTest(width=width, filt=filt, pairs=pairs, masks=masks):
                            records = support.random_records(23, seed=width + filt, vocab=vocab, pairs=pairs, masks=masks)
                            shard = self.roundtrip(records, width=width, filt=filt, pairs=pairs, masks=masks,
                                                   vocabulary_size=vocab, block_records=4)
                            self.assertEqual(shard.schema, fmt.Schema(width, pairs, masks))
                            self.assertEqual(shard.block_count, 6)

    def test_segments_without_pair_labels(self):
        """Format 1.1: segment boundaries alone, as ELECTRA's shards store them."""
        for width, vocab in ((2, 60000), (4, 1 << 20)):
            for masks in (False, True):
                with self.subTest(width=width, masks=masks):
                    records = support.random_records(17, seed=width, vocab=vocab, segments=True, masks=masks)
                    self.assertNotIn("pair_label", records[0])
                    shard = self.roundtrip(records, width=width, filt=1, segments=True, masks=masks,
                                           vocabulary_size=vocab, block_records=5)
                    self.assertEqual(shard.schema, fmt.Schema(width, False, masks, True))
                    self.assertEqual([f.name for f in shard.schema.fields][:3],
                                     ["tokens", "segment_boundary", "masked_positions" if masks else "input_ordinal"])
                    self.assertEqual(shard.header.minor_version, 1)
        pairs = self.roundtrip(support.random_records(4, pairs=True), pairs=True)
        self.assertEqual((pairs.schema.has_segments, pairs.header.minor_version), (True, 0))
        with self.assertRaises(ValueError):
            fmt.Schema(2, True, False, False)

    def test_lookup_with_uneven_blocks(self):
        records = support.random_records(40, seed=3)
        shard = self.roundtrip(records, width=4, block_records=[5, 3, 7, 3, 1, 9, 12])
        for i in range(40):
            b = shard.block_number(i)
            self.assertTrue(shard.block_first_record[b] <= i < shard.block_first_record[b + 1])
        self.assertEqual(shard[-1]["document_ordinal"], records[-1]["document_ordinal"])
        with self.assertRaises(IndexError):
            shard[40]

    def test_empty_shard_and_single_block(self):
        shard = self.roundtrip([])
        self.assertEqual((len(shard), shard.block_count), (0, 0))
        self.assertEqual(list(shard), [])
        self.roundtrip(support.random_records(5), block_records=100)

    def test_block_cache_is_bounded_and_pickling_reopens(self):
        records = support.random_records(30, seed=4)
        path = support.write_shard(os.path.join(self.folder, "c.ptxs"), records, block_records=2)
        shard = ShardFile(path, cache_blocks=3)
        for i in range(30):
            shard[i]
        self.assertEqual(len(shard._blocks), 3)
        copy = pickle.loads(pickle.dumps(shard))
        same_record(self, copy[29], records[29])
        shard.close()
        same_record(self, shard[0], records[0])  # reopens after close


class ValidationTests(unittest.TestCase):
    """Structures with valid checksums but invalid content are refused with the right region."""

    def setUp(self):
        self.folder = os.path.join(support.scratch_dir(), self.id())
        os.makedirs(self.folder, exist_ok=True)
        self.path = os.path.join(self.folder, "v.ptxs")

    def expect(self, region, pattern, read=False, **kw):
        kw.setdefault("vocabulary_size", 60000)
        records = kw.pop("records", None) or support.random_records(6, seed=5, pairs=kw.get("pairs", False),
                                                                      masks=kw.get("masks", False))
        support.write_shard(self.path, records, **kw)
        with self.assertRaises(ShardFormatError) as caught:
            shard = ShardFile(self.path)
            if read:
                shard.verify_blocks()
        e = caught.exception
        self.assertIsInstance(e, ValueError)
        self.assertEqual(e.region, region, str(e))
        self.assertRegex(str(e), pattern)
        self.assertTrue(str(e).startswith(self.path + ": " + region + " at byte "), str(e))
        return e

    def test_payload_problems(self):
        cut = lambda b, p: p[:-1]
        extra = lambda b, p: p + b"\0"
        e = self.expect("block 0", "unexpected bytes after the last column", read=True, payload_hook=extra)
        self.assertEqual(e.byte_offset, self.header_length())
        self.expect("block 0", "document_ordinal needs", read=True, payload_hook=cut)
        self.expect("block 0", "outside the vocabulary of 100", read=True, vocabulary_size=100)

    def test_pair_and_mask_values_are_checked(self):
        r = support.random_records(3, seed=1, pairs=True, masks=True)
        r[1]["segment_boundary"] = len(r[1]["input_ids"]) + 1
        self.expect("block 0", r"record 1: segment_boundary \d+ outside", read=True, records=r, pairs=True, masks=True)
        r = support.random_records(3, seed=1, segments=True)
        r[0]["segment_boundary"] = 0
        self.expect("block 0", r"record 0: segment_boundary 0 outside", read=True, records=r, segments=True)
        r = support.random_records(3, seed=1, pairs=True)
        r[2]["pair_label"] = 2
        self.expect("block 0", "record 2: pair_label 2 is not 0 or 1", read=True, records=r, pairs=True)
        r = support.random_records(3, seed=2, masks=True, max_len=30)
        r[0]["masked_positions"] = np.array([3, 3], dtype=np.int64)
        r[0]["masked_ids"] = np.array([5, 6], dtype=np.int64)
        self.expect("block 0", "record 0: masked position 3 is out of order", read=True, records=r, masks=True)

    def test_header_problems(self):
        self.expect("header", "block length limit 0", limit=0)
        support.write_shard(self.path, support.random_records(3))
        self.rewrite_header(lambda h: h[:16] + b"\x03" + h[17:])
        with self.assertRaisesRegex(ShardFormatError, "header at byte 16: token width 3 is not 2 or 4"):
            ShardFile(self.path)
        support.write_shard(self.path, support.random_records(3))
        self.rewrite_header(lambda h: h[:8] + b"\x02" + h[9:])
        with self.assertRaisesRegex(ShardFormatError, r"header at byte 0: format version 2\.0 is not supported"):
            ShardFile(self.path)

    def test_schema_problems(self):
        support.write_shard(self.path, support.random_records(3))
        # Rename the field "input_ordinal" to something unknown of the same length.
        self.rewrite_header(lambda h: h.replace(b"input_ordinal", b"input_ordinax"))
        with self.assertRaisesRegex(ShardFormatError, 'schema at byte 64: unknown field "input_ordinax"'):
            ShardFile(self.path)
        support.write_shard(self.path, support.random_records(3))
        self.rewrite_header(lambda h: h.replace(b"\x03\x00\x0dinput_ordinal", b"\x04\x00\x0dinput_ordinal"))
        with self.assertRaisesRegex(ShardFormatError, 'field "input_ordinal" has type u64, expected u32'):
            ShardFile(self.path)

    def header_length(self):
        with open(self.path, "rb") as f:
            return struct.unpack_from("<I", f.read(16), 12)[0]

    def rewrite_header(self, change):
        """Applies ``change`` to the header bytes before the checksum and re-checksums them."""
        with open(self.path, "rb") as f:
            data = f.read()
        n = self.header_length()
        head = change(data[:n - 8])
        with open(self.path, "wb") as f:
            f.write(head + struct.pack("<Q", xxh64(head)) + data[n:])


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class CorruptionTests(unittest.TestCase):
    """Damaged copies of a Swift-built shard: every flipped byte and every truncation is caught."""

    @classmethod
    def setUpClass(cls):
        folder = support.swift_build("bert-nsp", "pipelines/bert-nsp.toml")
        cls.original = os.path.join(folder, "part-00000-00000.ptxs")
        with open(cls.original, "rb") as f:
            cls.data = f.read()
        cls.shard = ShardFile(cls.original)

    def write(self, data, name="damaged.ptxs"):
        path = os.path.join(support.scratch_dir(), name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def flipped(self, offset):
        d = bytearray(self.data)
        d[offset] ^= 0x40
        return self.write(bytes(d))

    def test_flip_in_a_block_fails_when_the_block_is_read(self):
        e = self.shard.index[3]
        path = self.flipped(e.offset + e.compressed_length // 2)
        shard = ShardFile(path)  # header, index and footer are intact
        shard[0]  # block 0 is fine
        first = int(shard.block_first_record[3])
        with self.assertRaises(ShardFormatError) as caught:
            shard[first]
        err = caught.exception
        self.assertEqual((err.path, err.region, err.byte_offset), (path, "block 3", e.offset))
        self.assertIn("checksum mismatch", str(err))
        self.assertTrue(str(err).startswith("%s: block 3 at byte %d: checksum mismatch" % (path, e.offset)))

    def test_flip_in_a_block_without_verification(self):
        # verify=False skips the checksum; a damaged block then either decodes to other
        # values or fails in LZ4 or in the payload checks — never anything but ShardFormatError.
        e = self.shard.index[2]
        failures = 0
        for k in range(0, e.compressed_length, max(1, e.compressed_length // 25)):
            shard = ShardFile(self.flipped(e.offset + k), verify=False)
            try:
                shard.block(2)
            except ShardFormatError as err:
                self.assertEqual(err.region, "block 2")
                failures += 1
        self.assertGreater(failures, 0)

    def test_flips_in_header_index_and_footer_fail_at_open(self):
        n = self.shard.header.length
        cases = [(0, "header"), (9, "header"), (20, "header"), (70, "header"), (n - 1, "header"),
                 (self.shard.footer.index_offset + 5, "index"), (len(self.data) - 60, "footer"),
                 (len(self.data) - 20, "index"), (len(self.data) - 3, "footer")]
        for offset, region in cases:
            with self.subTest(offset=offset):
                with self.assertRaises(ShardFormatError) as caught:
                    ShardFile(self.flipped(offset))
                self.assertEqual(caught.exception.region, region, str(caught.exception))

    def test_every_truncation_fails_at_open(self):
        for length in (0, 1, 15, 100, 135, 136, 500, len(self.data) // 2, len(self.data) - 64, len(self.data) - 1):
            with self.subTest(length=length):
                with self.assertRaises(ShardFormatError) as caught:
                    ShardFile(self.write(self.data[:length]))
                self.assertIn(caught.exception.region, ("file", "header", "footer", "index"))
                self.assertIn(" at byte ", str(caught.exception))

    def test_appended_bytes_fail_at_open(self):
        with self.assertRaisesRegex(ShardFormatError, "footer"):
            ShardFile(self.write(self.data + b"\0" * 64))

    def test_not_a_shard(self):
        with self.assertRaisesRegex(ShardFormatError, r"header at byte 0: bad magic .*not a Pretext shard"):
            ShardFile(self.write(b"x" * 1000))


if __name__ == "__main__":
    unittest.main()
