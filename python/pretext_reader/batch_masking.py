"""``BatchMasker``: ``Masker.mask`` for every row of a batch at once, with numpy.

For the ``token`` and ``whole-word`` strategies (groups of one unit), the random stream of
each row is a counter stream — draw k of row r is ``mix(state_r + k·GAMMA)`` — so all the
draws a row can need (at most units + 2 × budget + 1) are one vectorized computation for
the whole batch, together with what each draw would decide (the pick of a choice step, the
roll, the random id). Only the two short sequential loops of ``Masker.mask`` — a swap per
step of the lazy Fisher–Yates choice of units, a branch per chosen unit — run per row, on
Python lists, and the chosen positions are written into the batch at once. The result is
the same, bit for bit, as one ``Masker.mask`` call per row with ``KeyedRandom(seed, purpose, index=record, subindex)``
(tested against it and against the Swift loader). A row whose draw would be rejected by
``below`` (probability about bound / 2**64) is redone by ``Masker.mask``. Other strategies
(n-grams, spans) use ``Masker.mask`` row by row.
"""

import numpy as np

from .keyed_random import GAMMA, KeyedRandom, mix
from .permutation import mix_array

__all__ = ["BatchMasker", "keyed_states"]

_C_INDEX = np.uint64(0xD6E8FEB86659FD93)
_C_SUBINDEX = 0xA0761D6478BD642F
_LOW32 = np.uint64(0xFFFFFFFF)
_S32, _S11 = np.uint64(32), np.uint64(11)
_M = (1 << 64) - 1


def keyed_states(seed, purpose, indices, subindex):
    """``KeyedRandom(seed, purpose, index=i, subindex).state`` for each i of ``indices`` (uint64)."""
    s = mix(mix((seed + GAMMA) & _M) ^ (purpose & _M))
    with np.errstate(over="ignore"):
        s = mix_array(np.uint64(s) ^ (np.asarray(indices, dtype=np.uint64) * _C_INDEX))
    return mix_array(s ^ np.uint64((subindex * _C_SUBINDEX) & _M))


def _stream(states, count):
    """``[rows, count]`` draws: column k (from 0) is draw k + 1 of each row's stream."""
    steps = np.arange(1, count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        steps *= np.uint64(GAMMA)
        return mix_array(states[:, None] + steps[None, :])


def _multiply(x, bound):
    """``(x · bound) >> 64`` and ``(x · bound) mod 2**64`` for uint64 ``x`` and ``bound < 2**32``."""
    with np.errstate(over="ignore"):
        high = ((x >> _S32) * bound + (((x & _LOW32) * bound) >> _S32)) >> _S32
        return high, x * bound


class BatchMasker:
    """Masks whole batches the way ``masker`` (a ``Masker``) masks one sequence."""

    def __init__(self, masker):
        self.masker = masker
        self.vectorized = masker.options.strategy in ("token", "whole-word")

    def mask(self, tokens, lengths, states):
        """Masks row r of ``tokens`` (int64 ``[rows, width]``, real ids in columns ``0 ..<
        lengths[r]``) with the stream at ``states[r]`` (uint64, a ``KeyedRandom.state``).

        Returns ``(masked, selected)``: int64 ``[rows, width]`` with the replacements in
        place, and bool ``[rows, width]``, True at every chosen position.
        """
        tokens = np.asarray(tokens, dtype=np.int64)
        rows, width = tokens.shape
        if not self.vectorized:
            return self._row_by_row(tokens, lengths, states, range(rows))
        masker = self.masker
        o, v = masker.options, masker.vocabulary
        size = v.size
        lengths = np.asarray(lengths, dtype=np.int64)
        column = np.arange(width)
        index = np.where((tokens < 0) | (tokens >= size), size, tokens)
        special = masker._special[index] | (column[None, :] >= lengths[:, None])  # padding counts as special
        if o.strategy == "token":
            start = ~special
        else:
            follows_word = np.zeros_like(special)
            follows_word[:, 1:] = ~special[:, :-1]
            start = ~special & ~(masker._continues[index] & follows_word)
        units = start.sum(axis=1)
        maskable = (~special).sum(axis=1)
        budget = self._budgets(maskable, lengths)
        masked = tokens.copy()
        selected = np.zeros((rows, width), dtype=bool)
        if rows == 0 or int(budget.max(initial=0)) == 0:
            return masked, selected

        # Units as [rows, most units] tables of first position and size (0 past a row's units).
        unit_rows, unit_columns = np.nonzero(start)
        first_unit = np.cumsum(units) - units
        rank = np.arange(len(unit_rows)) - first_unit[unit_rows]
        most = int(units.max())
        unit_start = np.zeros((rows, most), dtype=np.int64)
        unit_start[unit_rows, rank] = unit_columns
        unit_size = np.zeros((rows, most), dtype=np.int64)
        if o.strategy == "token":
            unit_size[unit_rows, rank] = 1
        else:
            # A unit ends at the next special token or unit start after it.
            boundary = np.where(special | start, column[None, :], width)
            at_or_after = np.minimum.accumulate(boundary[:, ::-1], axis=1)[:, ::-1]
            after = np.full((rows, width), width, dtype=np.int64)
            after[:, :-1] = at_or_after[:, 1:]
            unit_size[unit_rows, rank] = after[unit_rows, unit_columns] - unit_columns

        most_budget = int(budget.max())
        # Every draw a row can need, and what each one decides, computed for the whole batch:
        # step k of the choice draws below(units − k) from draw k; a roll is draw >> 11 · 2**-53;
        # a random id is pool[below(pool size)].
        draws = _stream(np.asarray(states, dtype=np.uint64), most + 2 * most_budget + 1)
        steps_k = np.arange(most, dtype=np.int64)
        bounds = np.maximum(units[:, None] - steps_k[None, :], 1).astype(np.uint64)
        high, low = _multiply(draws[:, :most], bounds)
        picks = steps_k[None, :] + high.astype(np.int64)
        rejected = ((low < bounds) & (steps_k[None, :] < units[:, None])).any(axis=1)
        rolls = (draws >> _S11).astype(np.float64) * 1.1102230246251565e-16
        pool = v.random_pool
        pool_size = np.uint64(max(1, len(pool)))
        pool_high, pool_low = _multiply(draws, pool_size)
        pool_ids = pool[np.minimum(pool_high, pool_size - np.uint64(1)).astype(np.int64)] if len(pool) else pool_high
        pool_rejected = pool_low < pool_size

        # The two sequential loops of Masker.mask, per row, on Python lists.
        mask_share = o.mask_share
        keep_above = o.mask_share + o.random_share
        mask_id = v.mask_id
        has_pool = len(pool) > 0
        chosen_rows, chosen_positions, mask_rows, mask_positions = [], [], [], []
        random_rows, random_positions, random_ids = [], [], []
        all_picks, all_sizes, all_starts = picks.tolist(), unit_size.tolist(), unit_start.tolist()
        budgets, unit_counts, skip = budget.tolist(), units.tolist(), rejected.tolist()
        for r in range(rows):
            b = budgets[r]
            if b == 0 or skip[r]:
                continue
            u_count = unit_counts[r]
            pick, sizes, starts_r = all_picks[r], all_sizes[r], all_starts[r]
            order = list(range(u_count))
            chosen = []
            count = 0
            k = 0
            while k < u_count and count < b:
                p = pick[k]
                unit = order[p]
                order[p] = order[k]
                order[k] = unit
                size_u = sizes[unit]
                if count + size_u <= b:
                    chosen.append(unit)
                    count += size_u
                k += 1
            end = k + len(chosen) + count
            row_rolls = rolls[r, k:end].tolist()
            row_ids = None
            at = 0
            positions, masks, randoms, ids = [], [], [], []
            for unit in chosen:
                roll = row_rolls[at]
                at += 1
                first = starts_r[unit]
                span = range(first, first + sizes[unit])
                positions.extend(span)
                if roll < mask_share:
                    masks.extend(span)
                elif roll < keep_above and has_pool:
                    if row_ids is None:
                        row_ids = pool_ids[r, k:end].tolist()
                        row_rejected = pool_rejected[r, k:end].tolist()
                    for position in span:
                        if row_rejected[at]:
                            rejected[r] = True
                        randoms.append(position)
                        ids.append(row_ids[at])
                        at += 1
            if rejected[r]:
                continue
            chosen_rows.extend([r] * len(positions))
            chosen_positions.extend(positions)
            mask_rows.extend([r] * len(masks))
            mask_positions.extend(masks)
            random_rows.extend([r] * len(randoms))
            random_positions.extend(randoms)
            random_ids.extend(ids)
        selected[chosen_rows, chosen_positions] = True
        masked[mask_rows, mask_positions] = mask_id
        masked[random_rows, random_positions] = random_ids
        redo = np.nonzero(rejected)[0]
        if redo.size:
            again, again_selected = self._row_by_row(tokens, lengths, states, redo)
            masked[redo], selected[redo] = again[redo], again_selected[redo]
        return masked, selected

    def _budgets(self, maskable, lengths):
        """``MaskingOptions.prediction_count`` of every row (int64)."""
        o = self.masker.options
        n = np.maximum(maskable, lengths) if o.budget == "sequence" else maskable
        wanted = np.maximum(1, np.rint(n.astype(np.float64) * o.rate).astype(np.int64))
        if o.max_predictions is not None:
            wanted = np.minimum(wanted, o.max_predictions)
        return np.where(maskable > 0, np.minimum(wanted, maskable), 0)

    def _row_by_row(self, tokens, lengths, states, rows):
        masked = tokens.copy()
        selected = np.zeros(tokens.shape, dtype=bool)
        for r in rows:
            random = KeyedRandom(0, 0, 0)
            random.state = int(states[r])
            n = int(lengths[r])
            out, positions, _ = self.masker.mask(tokens[r, :n], random)
            masked[r, :n] = out
            selected[r, positions] = True
        return masked, selected
