import json
import os
import tempfile
import unittest

import numpy as np

from pretext_reader import (IGNORE_INDEX, KeyedRandom, Masker, MaskingConfig, MaskingConfigError, MaskingOptions,
                            MaskingVocabulary, mask_sample)
from pretext_reader.keyed_random import PURPOSE_STATIC_MASKING, PURPOSE_TEST_DATA
from pretext_reader.masking import _ngram_length, _span_length

# As in MaskerTests.swift: 0 [PAD] 1 [CLS] 2 [SEP] 3 [MASK]; 4…99 words; 100…199 "##" pieces.
VOCAB = MaskingVocabulary(200, 3, [0, 1, 2, 3], range(100, 200))


def sequence(n, seed):
    r = KeyedRandom(seed, PURPOSE_TEST_DATA, 0)
    t = [1]
    while len(t) < n - 1:
        t.append(100 + r.below(100) if len(t) > 1 and r.below(3) == 0 else 4 + r.below(96))
    t.append(2)
    return t


def config(**options):
    document = {"format": "pretext-masking-1", "vocab_size": 200, "mask_id": 3, "special_ids": [0, 1, 2, 3],
                "continuation_ids": list(range(100, 200)), "seed": 12345,
                "options": dict({"rate": 0.15, "max_predictions": 20, "mask_share": 0.8, "random_share": 0.1,
                                 "strategy": "token", "ngram_max": 3, "span_p": 0.2, "span_max": 10,
                                 "budget": "sequence"}, **options)}
    return MaskingConfig.from_dict(document)


class PredictionCountTests(unittest.TestCase):
    def test_formula(self):
        # The vectors of MaskerTests.predictionCountFollowsTheFormula.
        o = MaskingOptions(rate=0.15, max_predictions=20)
        self.assertEqual(o.prediction_count(125, 128), 19)
        self.assertEqual(o.prediction_count(1, 1), 1)
        self.assertEqual(o.prediction_count(0, 3), 0)
        self.assertEqual(o.prediction_count(10, 10), 2)      # 1.5 rounds half to even
        self.assertEqual(o.prediction_count(30, 30), 4)      # 4.5 → 4
        self.assertEqual(o.prediction_count(1000, 1003), 20)
        self.assertEqual(o.prediction_count(30, 33), 5)      # round(4.95)
        self.assertEqual(MaskingOptions(max_predictions=20, budget="maskable").prediction_count(30, 33), 4)
        self.assertEqual(o.prediction_count(2, 60), 2)
        self.assertEqual(MaskingOptions(max_predictions=None).prediction_count(1000, 1000), 150)
        # Half to even on the float64 product: 70 · 0.15 = 10.5 → 10, 50 · 0.15 = 7.5 → 8.
        self.assertEqual(MaskingOptions(max_predictions=None).prediction_count(70, 70), 10)
        self.assertEqual(MaskingOptions(max_predictions=None).prediction_count(50, 50), 8)


class MaskerTests(unittest.TestCase):
    def test_token_masking_exact_count_and_specials_untouched(self):
        masker = Masker(MaskingOptions(max_predictions=20), VOCAB)
        for seed in range(200):
            original = sequence(128, seed)
            tokens, positions, ids = masker.mask(original, KeyedRandom(7, PURPOSE_STATIC_MASKING, seed))
            self.assertEqual(len(positions), 19)
            self.assertEqual(positions, sorted(set(positions)))
            for p, i in zip(positions, ids):
                self.assertEqual(original[p], i)
                self.assertNotIn(i, VOCAB.special)
            chosen = set(positions)
            for i in range(128):
                if i not in chosen:
                    self.assertEqual(tokens[i], original[i])

    def test_same_key_same_masks_other_key_other_masks(self):
        masker = Masker(MaskingOptions(), VOCAB)
        original = sequence(128, 1)
        a = masker.mask(original, KeyedRandom(1, PURPOSE_STATIC_MASKING, 5))
        b = masker.mask(original, KeyedRandom(1, PURPOSE_STATIC_MASKING, 5))
        c = masker.mask(original, KeyedRandom(1, PURPOSE_STATIC_MASKING, 5, 1))
        self.assertEqual(a, b)
        self.assertNotEqual(a[1], c[1])

    def test_replacement_shares_are_80_10_10(self):
        masker = Masker(MaskingOptions(), VOCAB)
        mask = same = other = 0
        for seed in range(2000):
            original = sequence(128, seed)
            tokens, positions, _ = masker.mask(original, KeyedRandom(3, PURPOSE_STATIC_MASKING, seed))
            for p in positions:
                t = tokens[p]
                if t == 3:
                    mask += 1
                elif t == original[p]:
                    same += 1
                else:
                    other += 1
                    self.assertNotIn(t, VOCAB.special)
        total = float(mask + same + other)
        self.assertLess(abs(mask / total - 0.8), 0.01)
        self.assertLess(abs(same / total - 0.1), 0.01)
        self.assertLess(abs(other / total - 0.1), 0.01)

    def test_whole_word_masking_takes_every_piece_and_decides_once(self):
        masker = Masker(MaskingOptions(rate=0.3, strategy="whole-word"), VOCAB)
        budget = MaskingOptions(rate=0.3).prediction_count(62, 62)
        for seed in range(300):
            original = sequence(64, seed)
            tokens, positions, _ = masker.mask(original, KeyedRandom(9, PURPOSE_STATIC_MASKING, seed))
            chosen = set(positions)
            self.assertLessEqual(len(positions), budget)
            for p in chosen:
                if original[p] >= 100:
                    self.assertIn(p - 1, chosen)
                if p + 1 < len(original) and original[p + 1] >= 100:
                    self.assertIn(p + 1, chosen)
                start = p
                while original[start] >= 100:
                    start -= 1
                end = start + 1
                while end < len(original) and original[end] >= 100:
                    end += 1
                masked = [tokens[q] == 3 for q in range(start, end)]
                self.assertTrue(all(masked) or not any(masked))

    def test_ngram_and_span_lengths_follow_their_distributions(self):
        r = KeyedRandom(1, PURPOSE_TEST_DATA, 0)
        ngram = [0] * 4
        for _ in range(60000):
            ngram[_ngram_length(3, r)] += 1
        for n, p in ((1, 6 / 11), (2, 3 / 11), (3, 2 / 11)):
            self.assertLess(abs(ngram[n] / 60000 - p), 0.01)
        spans = [0] * 11
        for _ in range(60000):
            spans[_span_length(0.2, 10, r)] += 1
        self.assertLess(abs(spans[1] / 60000 - 0.2), 0.01)
        self.assertLess(abs(spans[2] / 60000 - 0.16), 0.01)
        self.assertTrue(spans[10] > 0 and spans[0] == 0)

    def test_span_and_ngram_masking_stay_within_the_budget(self):
        for strategy in ("span", "ngram"):
            masker = Masker(MaskingOptions(max_predictions=20, strategy=strategy), VOCAB)
            for seed in range(100):
                original = sequence(128, seed)
                tokens, positions, ids = masker.mask(original, KeyedRandom(2, PURPOSE_STATIC_MASKING, seed))
                self.assertTrue(0 < len(positions) <= 19)
                self.assertEqual([original[p] for p in positions], ids)

    def test_all_special_sequences_are_left_alone(self):
        masker = Masker(MaskingOptions(), VOCAB)
        self.assertEqual(masker.mask([1, 2, 2], KeyedRandom(0, PURPOSE_STATIC_MASKING, 0)), ([1, 2, 2], [], []))
        self.assertEqual(masker.mask([], KeyedRandom(0, PURPOSE_STATIC_MASKING, 0)), ([], [], []))

    def test_ids_outside_the_vocabulary_are_ordinary_tokens(self):
        # As in Swift: an id >= size is neither special nor a continuation.
        masker = Masker(MaskingOptions(rate=0.5), VOCAB)
        _, positions, ids = masker.mask([1, 500, 501, 502, 2], KeyedRandom(0, PURPOSE_STATIC_MASKING, 0))
        self.assertTrue(positions and all(i >= 500 for i in ids))


class MaskSampleTests(unittest.TestCase):
    def test_labels_hold_the_originals_at_masked_positions_only(self):
        c = config()
        original = np.array(sequence(128, 4), dtype=np.int64)
        input_ids, labels = mask_sample(original, 17, 0, c)
        self.assertEqual(input_ids.dtype, np.int64)
        self.assertEqual(labels.dtype, np.int64)
        self.assertEqual(input_ids.shape, (128,))
        masked = labels != IGNORE_INDEX
        self.assertEqual(int(masked.sum()), 19)
        np.testing.assert_array_equal(labels[masked], original[masked])
        np.testing.assert_array_equal(input_ids[~masked], original[~masked])
        self.assertFalse(masked[0] or masked[-1])

    def test_key_is_sample_index_and_epoch(self):
        c = config()
        original = sequence(128, 4)
        a, la = mask_sample(original, 17, 0, c)
        b, lb = mask_sample(original, 17, 0, c)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(la, lb)
        _, other_epoch = mask_sample(original, 17, 1, c)
        _, other_sample = mask_sample(original, 18, 0, c)
        self.assertFalse(np.array_equal(la, other_epoch))
        self.assertFalse(np.array_equal(la, other_sample))
        # Exactly the KeyedRandom(seed, 0x646D736B, index, epoch) stream and one mask call.
        tokens, positions, ids = c.masker.mask(original, KeyedRandom(12345, 0x646D736B, 17, 1))
        expected = np.full(128, IGNORE_INDEX)
        expected[positions] = ids
        np.testing.assert_array_equal(other_epoch, expected)


class MaskingConfigTests(unittest.TestCase):
    def test_load_from_folder(self):
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "masking.json"), "w") as f:
                json.dump({"format": "pretext-masking-1", "vocab_size": 10, "mask_id": 3, "special_ids": [0, 1, 2, 3],
                           "continuation_ids": [7, 8, 3], "seed": 2 ** 64 - 1,
                           "options": {"rate": 0.5, "max_predictions": None, "mask_share": 0.8, "random_share": 0.1,
                                       "strategy": "span", "span_p": 0.3, "span_max": 4.0, "budget": "maskable"}}, f)
            c = MaskingConfig.load(folder)
        self.assertEqual(c.seed, 2 ** 64 - 1)
        self.assertIsNone(c.options.max_predictions)
        self.assertEqual((c.options.strategy, c.options.span_p, c.options.span_max), ("span", 0.3, 4))
        self.assertEqual(c.vocabulary.continuation, frozenset([7, 8]))
        self.assertEqual(c.vocabulary.random_pool.tolist(), [4, 5, 6, 7, 8, 9])

    def test_bad_files_are_explained(self):
        with tempfile.TemporaryDirectory() as folder:
            with self.assertRaisesRegex(MaskingConfigError, "no masking configuration"):
                MaskingConfig.load(folder)
            path = os.path.join(folder, "masking.json")
            for text, message in (("{", "not valid JSON"), ('{"format": "other"}', "format"),
                                  ('{"format": "pretext-masking-1"}', "vocab_size must be an integer")):
                with open(path, "w") as f:
                    f.write(text)
                with self.assertRaisesRegex(MaskingConfigError, message):
                    MaskingConfig.load(folder)
        with self.assertRaisesRegex(MaskingConfigError, "strategy"):
            config(strategy="words")
        with self.assertRaisesRegex(MaskingConfigError, "budget"):
            config(budget="tokens")
        with self.assertRaisesRegex(MaskingConfigError, "out of range"):
            config(mask_share=0.8, random_share=0.3)
        with self.assertRaisesRegex(MaskingConfigError, "out of range"):
            config(rate=1.0)
        with self.assertRaisesRegex(MaskingConfigError, "options.rate must be a number"):
            config(rate=None)
        document = {"format": "pretext-masking-1", "vocab_size": 10, "mask_id": 3, "special_ids": [0, 10],
                    "continuation_ids": [], "seed": 1,
                    "options": {"rate": 0.15, "mask_share": 0.8, "random_share": 0.1, "strategy": "token", "budget": "sequence"}}
        with self.assertRaisesRegex(MaskingConfigError, "special_ids holds 10, outside the vocabulary of 10"):
            MaskingConfig.from_dict(document)


if __name__ == "__main__":
    unittest.main()
