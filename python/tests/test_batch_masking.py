"""BatchMasker (a batch at once) against Masker.mask (one sequence at a time), bit for bit."""

import unittest
from unittest import mock

import numpy as np

from pretext_reader import KeyedRandom, Masker, MaskingOptions, MaskingVocabulary
from pretext_reader import batch_masking
from pretext_reader.batch_masking import BatchMasker, keyed_states
from pretext_reader.keyed_random import PURPOSE_DYNAMIC_MASKING, PURPOSE_TEST_DATA

from test_masking import VOCAB, sequence


def batch(lengths, seed):
    rows = [sequence(n, seed + i) if n >= 2 else [5] * n for i, n in enumerate(lengths)]
    width = max(lengths)
    grid = np.zeros((len(rows), width), dtype=np.int64)
    for r, t in enumerate(rows):
        grid[r, :len(t)] = t
    return rows, grid, np.array(lengths)


class BatchMaskerTests(unittest.TestCase):
    def check(self, options, vocabulary=VOCAB, lengths=(128, 7, 1, 0, 64, 128, 33, 2, 90), seed=3):
        masker = Masker(options, vocabulary)
        rows, grid, n = batch(list(lengths), seed)
        records = np.arange(100, 100 + len(rows))
        states = keyed_states(77, PURPOSE_DYNAMIC_MASKING, records, 4)
        masked, selected = BatchMasker(masker).mask(grid, n, states)
        for r, t in enumerate(rows):
            random = KeyedRandom(77, PURPOSE_DYNAMIC_MASKING, int(records[r]), 4)
            self.assertEqual(random.state, int(states[r]))
            expected, positions, _ = masker.mask(t, random)
            self.assertEqual(masked[r, :len(t)].tolist(), expected, "row %d" % r)
            self.assertEqual(np.nonzero(selected[r])[0].tolist(), positions, "row %d" % r)
            self.assertTrue((masked[r, len(t):] == grid[r, len(t):]).all())

    def test_token_and_whole_word_strategies(self):
        for strategy in ("token", "whole-word"):
            for seed in range(6):
                with self.subTest(strategy=strategy, seed=seed):
                    self.check(MaskingOptions(max_predictions=20, strategy=strategy), seed=seed)

    def test_other_shares_budgets_and_rates(self):
        self.check(MaskingOptions(rate=0.4, mask_share=0.2, random_share=0.7, strategy="whole-word", budget="maskable"))
        self.check(MaskingOptions(rate=0.05, mask_share=0.0, random_share=1.0))
        self.check(MaskingOptions(rate=0.9, strategy="whole-word"), lengths=(40, 40, 3))

    def test_random_options_lengths_and_budgets(self):
        # Covers the closed forms of the token strategy (chosen units without a loop over the
        # choice steps, rolls told from id draws by run parity) and the loops of whole words,
        # with budgets from 1 to uncapped and shares from 0 to beyond 1.
        rng = np.random.default_rng(16)
        shares = [(0.8, 0.1), (0.0, 1.0), (1.0, 0.0), (0.0, 0.0), (0.5, 0.7), (0.2, 0.7)]
        for trial in range(60):
            mask_share, random_share = shares[trial % len(shares)] if trial < 24 else sorted(rng.uniform(0, 1, 2))
            options = MaskingOptions(rate=float(rng.choice([0.05, 0.15, 0.5, 0.95])),
                                     max_predictions=[None, 20, 5, 1][trial % 4],
                                     mask_share=float(mask_share), random_share=float(random_share),
                                     strategy=("token", "whole-word")[trial % 2],
                                     budget=("sequence", "maskable")[trial // 2 % 2])
            lengths = tuple(int(n) for n in rng.integers(0, 260, size=int(rng.integers(1, 24))))
            with self.subTest(trial=trial, options=options, lengths=lengths):
                self.check(options, lengths=lengths, seed=trial)

    def test_ngram_and_span_strategies_row_by_row(self):
        self.check(MaskingOptions(strategy="ngram", ngram_max=3))
        self.check(MaskingOptions(strategy="span", span_p=0.3, span_max=5))

    def test_ids_outside_the_vocabulary_and_an_empty_random_pool(self):
        only_specials = MaskingVocabulary(6, 3, [0, 1, 2, 3, 4, 5])
        self.check(MaskingOptions(), vocabulary=only_specials)
        masker = Masker(MaskingOptions(random_share=0.5, mask_share=0.2), VOCAB)
        grid = np.array([[1, 500, 7, 150, 9000, 2]], dtype=np.int64)
        states = keyed_states(1, PURPOSE_TEST_DATA, [0], 0)
        masked, selected = BatchMasker(masker).mask(grid, np.array([6]), states)
        expected, positions, _ = masker.mask(grid[0].tolist(), KeyedRandom(1, PURPOSE_TEST_DATA, 0, 0))
        self.assertEqual((masked[0].tolist(), np.nonzero(selected[0])[0].tolist()), (expected, positions))

    def test_rows_with_a_rejected_draw_are_redone_one_by_one(self):
        real = batch_masking._multiply

        def rejecting(x, bound):
            high, low = real(x, bound)
            low = low.copy()
            low.flat[0] = 0   # as if the first draw fell in below()'s rejection zone
            return high, low

        with mock.patch.object(batch_masking, "_multiply", rejecting):
            for strategy in ("token", "whole-word"):
                self.check(MaskingOptions(max_predictions=20, strategy=strategy))


if __name__ == "__main__":
    unittest.main()
