"""PretextDataset and `python -m pretext_reader.golden` on Swift-built folders, and against
the Swift loader itself (`pretext batches --no-shuffle --batch-size 1 --json`)."""

import json
import os
import pickle
import shutil
import subprocess
import sys
import unittest

import numpy as np

from pretext_reader import IGNORE_INDEX, MaskingConfig, MaskingConfigError, PretextDataset, ShardSet, mask_sample

import support

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDPIECE = os.path.join(support.REPO, "pipelines/vocab/wordpiece-8k/tokenizer.json")


def golden(folder, epoch, count):
    result = subprocess.run([sys.executable, "-m", "pretext_reader.golden", folder, str(epoch), str(count)],
                            cwd=PYTHON_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return result.returncode, [json.loads(line) for line in result.stdout.decode().splitlines()], result.stderr.decode()


def dynamic_folder():
    """roberta-full-sentences with the WordPiece vocabulary: unmasked shards + masking.json."""
    return support.swift_build("dynamic", "pipelines/roberta-full-sentences.toml", "--tokenizer", WORDPIECE)


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class StaticDatasetTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = support.swift_build("bert-nsp", "pipelines/bert-nsp.toml")

    def test_stored_masks_pass_through_unchanged(self):
        data = PretextDataset(self.folder, epoch=3)
        self.assertIsNone(data.masking)
        shards = ShardSet(self.folder)
        for i in (0, 5, len(data) - 1):
            sample, record = data[i], shards[i]
            np.testing.assert_array_equal(sample["input_ids"], record["input_ids"])
            expected = np.full(len(record["input_ids"]), IGNORE_INDEX)
            expected[record["masked_positions"]] = record["masked_ids"]
            np.testing.assert_array_equal(sample["labels"], expected)
            b = record["segment_boundary"]
            self.assertEqual(sample["token_type_ids"].tolist(), [0] * b + [1] * (len(expected) - b))
            self.assertEqual(int(sample["pair_label"]), record["pair_label"])
            for key in ("input_ids", "labels", "token_type_ids"):
                self.assertEqual(sample[key].dtype, np.int64)
        data.set_epoch(4)
        np.testing.assert_array_equal(data[5]["labels"], PretextDataset(self.folder, epoch=3)[5]["labels"])

    def test_golden_prints_stored_masks(self):
        code, lines, err = golden(self.folder, 0, 3)
        self.assertEqual(code, 0, err)
        data = PretextDataset(self.folder)
        self.assertEqual([line["index"] for line in lines], [0, 1, 2])
        for line in lines:
            sample = data[line["index"]]
            self.assertEqual(line["input_ids"], sample["input_ids"].tolist())
            self.assertEqual(line["labels"], sample["labels"].tolist())


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class DynamicDatasetTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = dynamic_folder()
        cls.config = MaskingConfig.load(cls.folder)

    def test_masking_json_describes_the_tokenizer(self):
        size, mask_id, specials, continuation = support.wordpiece_masking(WORDPIECE)
        c = self.config
        self.assertEqual((c.vocab_size, c.mask_id, c.seed), (size, mask_id, 12345))
        self.assertEqual(sorted(c.vocabulary.special), specials)
        self.assertEqual(sorted(c.vocabulary.continuation), continuation)
        self.assertEqual((c.options.strategy, c.options.max_predictions, c.options.budget), ("whole-word", 20, "sequence"))

    def test_dynamic_masks_follow_the_key(self):
        data = PretextDataset(self.folder, epoch=2)
        shards = ShardSet(self.folder)
        self.assertNotIn("masked_positions", shards[0])
        specials = self.config.vocabulary.special
        for i in (0, 1, 100, len(data) - 1):
            record = shards[i]["input_ids"]
            sample = data[i]
            ids, labels = mask_sample(record, i, 2, self.config)
            np.testing.assert_array_equal(sample["input_ids"], ids)
            np.testing.assert_array_equal(sample["labels"], labels)
            masked = labels != IGNORE_INDEX
            self.assertLessEqual(int(masked.sum()), 20)
            self.assertGreater(int(masked.sum()), 0)
            self.assertFalse(any(int(t) in specials for t in record[masked]))
            np.testing.assert_array_equal(labels[masked], record[masked])
        self.assertFalse(np.array_equal(data[0]["labels"], PretextDataset(self.folder, epoch=3)[0]["labels"]))
        self.assertTrue(np.array_equal(pickle.loads(pickle.dumps(data))[0]["labels"], data[0]["labels"]))
        reseeded = PretextDataset(self.folder, epoch=2, seed=1)
        self.assertEqual(reseeded.masking.seed, 1)
        self.assertFalse(np.array_equal(reseeded[0]["labels"], data[0]["labels"]))

    def test_masking_can_be_turned_off_and_is_required_otherwise(self):
        data = PretextDataset(self.folder, masking=False)
        self.assertNotIn("labels", data[0])
        np.testing.assert_array_equal(data[0]["input_ids"], ShardSet(self.folder)[0]["input_ids"])
        bare = self.folder + "-without-masking-json"
        shutil.rmtree(bare, ignore_errors=True)
        shutil.copytree(self.folder, bare)
        os.remove(os.path.join(bare, "masking.json"))
        with self.assertRaisesRegex(MaskingConfigError, "masking.json: no masking configuration"):
            PretextDataset(bare)
        code, _, err = golden(bare, 0, 1)
        self.assertEqual(code, 1)
        self.assertIn("masking.json", err)

    def test_golden_prints_dynamic_masks(self):
        code, lines, err = golden(self.folder, 1, 4)
        self.assertEqual(code, 0, err)
        shards = ShardSet(self.folder)
        for i, line in enumerate(lines):
            ids, labels = mask_sample(shards[i]["input_ids"], i, 1, self.config)
            self.assertEqual(line, {"index": i, "input_ids": ids.tolist(), "labels": labels.tolist()})


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class CausalDatasetTests(unittest.TestCase):
    def test_causal_samples_predict_the_next_token(self):
        folder = support.swift_build("gpt-causal", "pipelines/gpt-causal.toml")
        data = PretextDataset(folder, epoch=1)
        self.assertEqual(data.task, "causal")
        self.assertIsNone(data.masking)
        tokens = ShardSet(folder)[7]["input_ids"]
        sample = data[7]
        np.testing.assert_array_equal(sample["input_ids"], tokens[:-1])
        np.testing.assert_array_equal(sample["labels"], tokens[1:])


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class ElectraDatasetTests(unittest.TestCase):
    """pipelines/electra.toml: segments without pair labels, ELECTRA's masking mix."""

    @classmethod
    def setUpClass(cls):
        cls.folder = support.swift_build("electra", "pipelines/electra.toml")
        cls.data = PretextDataset(cls.folder, epoch=1)

    def test_masking_json_is_electras(self):
        self.assertEqual(self.data.task, "electra")
        o = self.data.masking.options
        self.assertEqual((o.strategy, o.max_predictions, o.budget, o.mask_share, o.random_share),
                         ("token", 19, "sequence", 0.85, 0.0))

    def test_segments_without_pair_labels(self):
        shards, mask_id = ShardSet(self.folder), self.data.masking.mask_id
        kinds = set()
        for i in range(60):
            sample, record = self.data[i], shards[i]
            b, n = record["segment_boundary"], len(record["input_ids"])
            self.assertNotIn("pair_label", sample)
            self.assertEqual(int(sample["segment_boundary"]), b)
            self.assertEqual(sample["token_type_ids"].tolist(), [0] * b + [1] * (n - b))
            kinds.add(b < n)
            # ELECTRA's mix: [MASK] or the token itself, never a random id.
            masked = sample["labels"] != IGNORE_INDEX
            now, before = sample["input_ids"][masked], record["input_ids"][masked]
            self.assertTrue(((now == mask_id) | (now == before)).all())
        self.assertEqual(kinds, {True, False}, "both one- and two-segment examples")


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class SwiftLoaderGoldenTests(unittest.TestCase):
    """golden.py equals the Swift loader sample for sample (no shuffle, batches of one, no padding)."""

    def compare(self, folder, epoch, count):
        swift = subprocess.run([support.BINARY, "batches", folder, "--no-shuffle", "--batch-size", "1", "--json",
                                "--count", str(count), "--epoch", str(epoch)], cwd=support.REPO, check=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode().splitlines()
        code, lines, err = golden(folder, epoch, count)
        self.assertEqual(code, 0, err)
        self.assertEqual(len(swift), count)
        self.assertEqual(len(lines), count)
        for mine, theirs in zip(lines, map(json.loads, swift)):
            self.assertEqual(mine, {k: theirs[k] for k in ("index", "input_ids", "labels")}, "sample %d" % mine["index"])

    def test_dynamic_whole_word_masking(self):
        self.compare(dynamic_folder(), 0, 120)
        self.compare(dynamic_folder(), 5, 40)

    def test_dynamic_byte_level_bpe_span_masking(self):
        folder = support.swift_build("rfs-span", "pipelines/roberta-full-sentences.toml",
                                     "--set", "masking.strategy=span", "--set", "masking.budget=maskable",
                                     "--set", "masking.rate=0.3", "--set", "masking.max_predictions=40")
        self.compare(folder, 1, 120)

    def test_dynamic_ngram_masking_across_the_shard_boundary(self):
        folder = support.swift_build("nsp-dynamic-ngram", "pipelines/bert-nsp.toml", "--set", "masking.mode=dynamic",
                                     "--set", "masking.strategy=ngram", "--set", "masking.random_share=0.2")
        self.compare(folder, 3, len(ShardSet(folder)))

    def test_dynamic_electra_segments(self):
        self.compare(support.swift_build("electra", "pipelines/electra.toml"), 1, 120)

    def test_static_and_causal(self):
        self.compare(support.swift_build("bert-nsp", "pipelines/bert-nsp.toml"), 0, 50)
        self.compare(support.swift_build("gpt-causal", "pipelines/gpt-causal.toml"), 2, 50)


if __name__ == "__main__":
    unittest.main()
