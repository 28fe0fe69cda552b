import os
import pickle
import shutil
import sqlite3
import unittest

import numpy as np

from pretext_reader import CatalogError, ShardFormatError, ShardSet

import support


def make_catalog(folder, rows):
    """A catalog.sqlite with the Swift schema's `shards` table (rows: file, records)."""
    with sqlite3.connect(os.path.join(folder, "catalog.sqlite")) as db:
        db.execute("CREATE TABLE shards (id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, file TEXT NOT NULL UNIQUE, "
                   "records INTEGER NOT NULL, tokens INTEGER NOT NULL, bytes INTEGER NOT NULL, checksum TEXT NOT NULL)")
        for file, records in rows:
            db.execute("INSERT INTO shards (run_id, file, records, tokens, bytes, checksum) VALUES (1, ?, ?, 0, 0, '0x0')",
                       (file, records))
    os.chmod(os.path.join(folder, "catalog.sqlite"), 0o644)


class ShardSetTests(unittest.TestCase):
    def setUp(self):
        self.folder = os.path.join(support.scratch_dir(), self.id())
        shutil.rmtree(self.folder, ignore_errors=True)
        os.makedirs(os.path.join(self.folder, "store"))
        # Written in an order unlike the names; b holds 0 records.
        self.records = {}
        for name, n, seed in (("part-00001-00000.ptxs", 7, 1), ("part-00000-00001.ptxs", 0, 2),
                              ("part-00000-00000.ptxs", 5, 3)):
            self.records[name] = support.random_records(n, seed=seed)
            support.write_shard(os.path.join(self.folder, name), self.records[name], block_records=2)
        # Neither a file in store/ nor a non-shard file is a shard.
        support.write_shard(os.path.join(self.folder, "store", "aaa.ptxs"), support.random_records(3))
        open(os.path.join(self.folder, "notes.txt"), "w").close()
        self.order = ["part-00000-00000.ptxs", "part-00000-00001.ptxs", "part-00001-00000.ptxs"]
        self.expected = [r for name in self.order for r in self.records[name]]

    def check(self, shards):
        self.assertEqual([os.path.basename(p) for p in shards.paths], self.order)
        self.assertEqual(len(shards), 12)
        for i, want in enumerate(self.expected):
            np.testing.assert_array_equal(shards[i]["input_ids"], want["input_ids"])
            self.assertEqual(shards[i]["document_ordinal"], want["document_ordinal"])
        self.assertEqual([r["document_ordinal"] for r in shards], [r["document_ordinal"] for r in self.expected])
        self.assertEqual(shards[-1]["input_ordinal"], self.expected[-1]["input_ordinal"])
        with self.assertRaises(IndexError):
            shards[12]

    def test_without_catalog_sorted_top_level_names(self):
        shards = ShardSet(self.folder)
        self.assertFalse(shards.from_catalog)
        self.check(shards)

    def test_catalog_order(self):
        make_catalog(self.folder, [(name, len(self.records[name])) for name in reversed(self.order)])
        shards = ShardSet(self.folder, max_open=1)
        self.assertTrue(shards.from_catalog)
        self.check(shards)
        self.assertLessEqual(len(shards._open), 1)
        self.check(pickle.loads(pickle.dumps(shards)))

    def test_catalog_lists_only_its_shards(self):
        make_catalog(self.folder, [("part-00001-00000.ptxs", 7), ("store/aaa.ptxs", 3)])
        shards = ShardSet(self.folder)
        self.assertEqual(len(shards), 10)
        np.testing.assert_array_equal(shards[0]["input_ids"], self.records["part-00001-00000.ptxs"][0]["input_ids"])
        self.assertEqual(os.path.relpath(shards.paths[1], self.folder), os.path.join("store", "aaa.ptxs"))
        self.assertEqual(len(shards[7]["input_ids"]), len(support.random_records(3)[0]["input_ids"]))

    def test_catalog_paths_outside_the_folder_are_refused(self):
        for bad in ("../x.ptxs", "/etc/passwd", "a//b.ptxs", "./a.ptxs", ""):
            with self.subTest(path=bad):
                os.remove(os.path.join(self.folder, "catalog.sqlite")) if os.path.exists(
                    os.path.join(self.folder, "catalog.sqlite")) else None
                make_catalog(self.folder, [(bad, 1)])
                with self.assertRaisesRegex(CatalogError, "not allowed in the catalog"):
                    ShardSet(self.folder)

    def test_catalog_paths_that_are_not_utf8_are_refused(self):
        # Found by python/fuzz/fuzz_reader.py catalog: sqlite3 raised UnicodeDecodeError.
        make_catalog(self.folder, [("part-00000-00000.ptxs", 5)])
        with sqlite3.connect(os.path.join(self.folder, "catalog.sqlite")) as db:
            db.execute("UPDATE shards SET file = CAST(x'7061727493ff2e70747873' AS TEXT)")
        with self.assertRaisesRegex(CatalogError, "is not UTF-8"):
            ShardSet(self.folder)

    def test_catalog_count_disagreeing_with_the_file(self):
        make_catalog(self.folder, [("part-00000-00000.ptxs", 6)])
        shards = ShardSet(self.folder)
        with self.assertRaisesRegex(ShardFormatError, "holds 5 records but the catalog says 6"):
            shards[0]

    def test_not_a_catalog(self):
        with open(os.path.join(self.folder, "catalog.sqlite"), "wb") as f:
            f.write(b"garbage" * 100)
        with self.assertRaisesRegex(CatalogError, "SQLite error"):
            ShardSet(self.folder)


if __name__ == "__main__":
    unittest.main()
