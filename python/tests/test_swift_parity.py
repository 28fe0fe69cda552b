"""The reader and the masker against shards made by the Swift tool (`pretext build`)."""

import os
import re
import sqlite3
import unittest

from pretext_reader import KeyedRandom, Masker, MaskingOptions, MaskingVocabulary, ShardFile, ShardSet
from pretext_reader.keyed_random import PURPOSE_STATIC_MASKING

import support

WORDPIECE = os.path.join(support.REPO, "pipelines/vocab/wordpiece-8k/tokenizer.json")
KOREAN = os.path.join(support.REPO, "pipelines/vocab/korean-wordpiece-4k/tokenizer.json")
SEED = 12345


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class SwiftShardTests(unittest.TestCase):
    def test_records_equal_what_pretext_inspect_prints(self):
        folder = support.swift_build("bert-nsp", "pipelines/bert-nsp.toml")
        shards = ShardSet(folder)
        self.assertTrue(shards.from_catalog)
        first = len(ShardFile(shards.paths[0]))
        for i in (0, 3, first - 1, first, len(shards) - 1):
            got = shards[i]
            want = support.swift_inspect_record(folder, i)
            self.assertEqual(got["input_ids"].tolist(), want["input_ids"], "record %d" % i)
            for key in ("segment_boundary", "pair_label", "input_ordinal", "document_ordinal"):
                self.assertEqual(got[key], want[key], "record %d %s" % (i, key))
            for key in ("masked_positions", "masked_ids"):
                self.assertEqual(got[key].tolist(), want[key], "record %d %s" % (i, key))

    def test_electra_records_have_segments_and_no_pair_label(self):
        folder = support.swift_build("electra", "pipelines/electra.toml")
        shards = ShardSet(folder)
        self.assertEqual((shards.shard(0).schema.has_segments, shards.shard(0).schema.has_pairs), (True, False))
        for i in (0, 1, 2, 3, len(shards) // 2, len(shards) - 1):
            got = shards[i]
            want = support.swift_inspect_record(folder, i)
            self.assertNotIn("pair_label", got)
            self.assertNotIn("pair_label", want)
            self.assertEqual(got["input_ids"].tolist(), want["input_ids"], "record %d" % i)
            for key in ("segment_boundary", "input_ordinal", "document_ordinal"):
                self.assertEqual(got[key], want[key], "record %d %s" % (i, key))
        self.assertLessEqual(max(len(r["input_ids"]) for r in shards), 128)

    def test_counts_equal_the_catalog_and_every_block_decodes(self):
        folder = support.swift_build("bert-nsp", "pipelines/bert-nsp.toml")
        with sqlite3.connect(os.path.join(folder, "catalog.sqlite")) as db:
            rows = db.execute("SELECT file, records, tokens FROM shards ORDER BY file").fetchall()
        shards = ShardSet(folder)
        self.assertEqual([os.path.basename(p) for p in shards.paths], [r[0] for r in rows])
        self.assertEqual(len(shards), sum(r[1] for r in rows))
        tokens = 0
        for path, (_, records, shard_tokens) in zip(shards.paths, rows):
            shard = ShardFile(path)
            shard.verify_blocks()
            self.assertEqual((len(shard), shard.token_count), (records, shard_tokens))
            tokens += sum(len(r["input_ids"]) for r in shard)
        self.assertEqual(tokens, sum(r[2] for r in rows))
        self.assertEqual(sum(1 for _ in shards), len(shards))


def masker_for(tokenizer, **options):
    size, mask_id, specials, continuation = support.wordpiece_masking(tokenizer)
    return Masker(MaskingOptions(**options), MaskingVocabulary(size, mask_id, specials, continuation))


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class StaticMaskParityTests(unittest.TestCase):
    """The Swift build's static masks, re-derived in Python from the unmasked tokens.

    Static masking keys are (seed, 0x6D61736B, index, copy << 32 | serial): for NSP/SOP the
    index is the document (= document ordinal with one input) and the serial counts the
    document's instances; for packed tasks the index is unit << 32 and the serial counts
    the unit's records. Equal masks prove KeyedRandom and Masker equal to Swift's.
    """

    def check(self, folder, masker, pairs):
        matched = 0
        for path in ShardSet(folder).paths:
            unit = int(re.search(r"part-(\d+)-\d+\.ptxs$", path).group(1))
            serials = {}
            for serial, record in enumerate(ShardFile(path)):
                original = record["input_ids"].copy()
                original[record["masked_positions"]] = record["masked_ids"]
                if pairs:
                    document = record["document_ordinal"]
                    k = serials[document] = serials.get(document, -1) + 1
                    random = KeyedRandom(SEED, PURPOSE_STATIC_MASKING, document, k)
                else:
                    random = KeyedRandom(SEED, PURPOSE_STATIC_MASKING, unit << 32, serial)
                tokens, positions, ids = masker.mask(original, random)
                self.assertEqual(tokens, record["input_ids"].tolist(), "%s record %d" % (path, serial))
                self.assertEqual(positions, record["masked_positions"].tolist())
                self.assertEqual(ids, record["masked_ids"].tolist())
                matched += 1
        self.assertGreater(matched, 100)

    def test_token_masking(self):
        folder = support.swift_build("bert-nsp", "pipelines/bert-nsp.toml")
        self.check(folder, masker_for(WORDPIECE, max_predictions=20), pairs=True)

    def test_ngram_masking(self):
        folder = support.swift_build("albert-sop", "pipelines/albert-sop.toml")
        self.check(folder, masker_for(WORDPIECE, max_predictions=20, strategy="ngram", ngram_max=3), pairs=True)

    def test_whole_word_masking(self):
        folder = support.swift_build("korean-bert", "pipelines/korean-bert.toml")
        self.check(folder, masker_for(KOREAN, max_predictions=20, strategy="whole-word"), pairs=True)

    def test_span_masking_with_other_shares_and_the_maskable_budget(self):
        folder = support.swift_build(
            "span-static", "pipelines/roberta-full-sentences.toml", "--tokenizer", WORDPIECE,
            "--set", "masking.mode=static", "--set", "masking.strategy=span", "--set", "masking.budget=maskable",
            "--set", "masking.rate=0.3", "--set", "masking.max_predictions=40",
            "--set", "masking.mask_share=0.5", "--set", "masking.random_share=0.3")
        self.check(folder, masker_for(WORDPIECE, rate=0.3, max_predictions=40, strategy="span", budget="maskable",
                                      mask_share=0.5, random_share=0.3), pairs=False)


if __name__ == "__main__":
    unittest.main()
