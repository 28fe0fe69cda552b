"""``BatchMasker``: ``Masker.mask`` for every row of a batch at once, with numpy.

For the ``token`` and ``whole-word`` strategies (groups of one unit), the random stream of
each row is a counter stream — draw k of row r is ``mix(state_r + k·GAMMA)`` — so all the
draws a row can need are one vectorized computation for the whole batch, together with what
each draw would decide (the pick of a choice step, the roll, the random id). The two
sequential loops of ``Masker.mask`` — a swap per step of the lazy Fisher–Yates choice of
units, a branch per chosen unit — run as numpy over the rows, no Python per row:

- ``token``: every step takes its unit, so a row takes exactly ``budget`` steps. The unit
  of step k is found without a loop over steps (``_choose_tokens``: which earlier step last
  wrote the position it picks), and a roll in the random band is followed by one id draw, so
  the rolls are the draws after the last step preceded by an even run of random-band rolls
  (``_replace_tokens``).
- ``whole-word``: a unit is taken only when it fits the budget, so the choice is a loop over
  steps and the replacement a loop over chosen units, each step numpy over the rows
  (``_mask_words``).

The result is the same, bit for bit, as one ``Masker.mask`` call per row with
``KeyedRandom(seed, purpose, index=record, subindex)`` (tested against it and against the
Swift loader). A row whose draw would be rejected by ``below`` (probability about
bound / 2**64) is redone by ``Masker.mask``. Other strategies (n-grams, spans) use
``Masker.mask`` row by row.
"""

import math

import numpy as np

from .keyed_random import GAMMA, KeyedRandom, mix

__all__ = ["BatchMasker", "keyed_states"]

_C_INDEX = np.uint64(0xD6E8FEB86659FD93)
_C_SUBINDEX = 0xA0761D6478BD642F
_LOW32 = np.uint64(0xFFFFFFFF)
_S32, _S11 = np.uint64(32), np.uint64(11)
_C1, _C2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
#: k·GAMMA for k = 1, 2, … (wrapping), grown on demand.
_STEPS = np.zeros(0, dtype=np.uint64)
_M = (1 << 64) - 1


def _mix(z):
    """``mix_array`` for uint64 arrays of one or more dimensions (numpy wraps array
    arithmetic without a warning; only scalar arithmetic needs ``np.errstate``)."""
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


def keyed_states(seed, purpose, indices, subindex):
    """``KeyedRandom(seed, purpose, index=i, subindex).state`` for each i of ``indices`` (uint64)."""
    s = mix(mix((seed + GAMMA) & _M) ^ (purpose & _M))
    indices = np.asarray(indices, dtype=np.uint64).reshape(-1)
    s = _mix(np.uint64(s) ^ (indices * _C_INDEX))
    return _mix(s ^ np.uint64((subindex * _C_SUBINDEX) & _M))


def _stream(states, count):
    """``[rows, count]`` draws: column k (from 0) is draw k + 1 of each row's stream."""
    global _STEPS
    if len(_STEPS) < count:
        _STEPS = np.arange(1, 2 * count + 1, dtype=np.uint64) * np.uint64(GAMMA)
    return _mix(states[:, None] + _STEPS[:count])


def _multiply(x, bound):
    """``(x · bound) >> 64`` and ``(x · bound) mod 2**64`` for a uint64 array ``x`` and ``bound < 2**32``."""
    high = ((x >> _S32) * bound + (((x & _LOW32) * bound) >> _S32)) >> _S32
    return high, x * bound


def _below_share(draws, share):
    """``unit_double(draw) < share`` for uint64 draws, on the integers: ``(x >> 11) · 2**-53 <
    share`` exactly when ``x < ceil(share · 2**53) · 2**11``."""
    if share >= 1.0:
        return np.ones(draws.shape, dtype=bool)
    if not share > 0.0:
        return np.zeros(draws.shape, dtype=bool)
    return draws < np.uint64(math.ceil(share * 9007199254740992.0) << 11)


def _earlier_steps(steps, cache={}):
    """``[steps, 2·steps]`` weights: j + 1 at [j, x] where j < x mod steps, else 0 (int16 or
    int32); the few step counts in use are kept."""
    weights = cache.get(steps)
    if weights is None:
        j = np.arange(steps)[:, None]
        x = np.arange(2 * steps) % steps
        weights = np.where(j < x, j + 1, 0).astype(np.int16 if steps < 1 << 15 else np.int32)
        if len(cache) >= 8:
            cache.clear()
        cache[steps] = weights
    return weights


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
        o = masker.options
        size = masker.vocabulary.size
        lengths = np.asarray(lengths, dtype=np.int64)
        column = np.arange(width)
        # Ids outside 0 ..< size (negative ones wrap to huge as uint64) look up entry `size`.
        index = np.minimum(tokens.view(np.uint64), np.uint64(size)).view(np.int64)
        special = masker._special[index] | (column >= lengths[:, None])  # padding counts as special
        masked = tokens.copy()
        selected = np.zeros((rows, width), dtype=bool)
        states = np.asarray(states, dtype=np.uint64)
        if o.strategy == "token":
            start = ~special
            units = np.count_nonzero(start, axis=1)
            budget = self._budgets(units, lengths)
            most_budget = int(budget.max(initial=0))
            if most_budget == 0:
                return masked, selected
            # Step k of the choice always takes its unit, so a row takes `budget` steps, then
            # one roll per unit and at most one id draw per unit. Unit u of row r is the token
            # at flat position units_at[first_unit[r] + u].
            draws = _stream(states, 3 * most_budget + 1)
            chosen, rejected = self._choose_tokens(draws, units, budget, most_budget)
            units_at = np.flatnonzero(start)
            first_unit = np.cumsum(units) - units
            return self._replace_tokens(draws, tokens, masked, selected, units_at, first_unit, chosen, budget, rejected,
                                        lengths, states)
        follows_word = np.zeros_like(special)
        follows_word[:, 1:] = ~special[:, :-1]
        start = ~special & ~(masker._continues[index] & follows_word)
        units = np.count_nonzero(start, axis=1)
        budget = self._budgets(width - np.count_nonzero(special, axis=1), lengths)
        most_budget = int(budget.max(initial=0))
        if most_budget == 0:
            return masked, selected

        # Units as [rows, most units] tables of first position and size, in sequence order.
        unit_rows, unit_columns = np.nonzero(start)
        first_unit = np.cumsum(units) - units
        rank = np.arange(len(unit_rows)) - first_unit[unit_rows]
        most = int(units.max())
        unit_start = np.zeros((rows, most), dtype=np.int64)
        unit_start[unit_rows, rank] = unit_columns
        # A unit ends at the next special token or unit start after it.
        boundary = np.where(special | start, column, width)
        at_or_after = np.minimum.accumulate(boundary[:, ::-1], axis=1)[:, ::-1]
        unit_size = np.zeros((rows, most), dtype=np.int64)
        after = np.full((rows, width), width, dtype=np.int64)
        after[:, :-1] = at_or_after[:, 1:]
        unit_size[unit_rows, rank] = after[unit_rows, unit_columns] - unit_columns
        # A row takes at most `units` choice steps, one roll per chosen unit, one id per position.
        draws = _stream(states, most + 2 * most_budget + 1)
        return self._mask_words(draws, tokens, masked, selected, unit_start, unit_size, units, budget, lengths, states)

    def _choose_tokens(self, draws, units, budget, steps):
        """The units chosen by the first ``steps`` steps of the lazy Fisher–Yates shuffle of
        each row (``[rows, steps]``, step order), without a loop over steps.

        Step k swaps positions k and p_k ≥ k of the order and takes what lands at k, the
        value at p_k before the step. Only steps j < k with p_j = p_k wrote there before, the
        last of them leaving D_j, the value at position j before step j; D_j is j unless an
        earlier step j' with p_j' = j wrote there (then D_j = D_j'), a chain resolved by
        pointer doubling. Also returns which rows drew a rejected value in their steps."""
        rows = len(units)
        k = np.arange(steps, dtype=np.int32)
        bounds = np.maximum(units[:, None] - k, 1).astype(np.uint64)
        high, low = _multiply(draws[:, :steps], bounds)
        picks = high.astype(np.int32) + k
        rejected = ((low < bounds) & (k < budget[:, None])).any(axis=1)
        # Column x < steps: the last j < x with p_j = p_x; column steps + j: the last j' < j
        # with p_j' = j (-1: none), found in one [rows, steps, 2·steps] comparison.
        targets = np.empty((rows, 2 * steps), dtype=np.int32)
        targets[:, :steps] = picks
        targets[:, steps:] = k
        found = (picks[:, :, None] == targets[:, None, :]) * _earlier_steps(steps)   # [row, j, x]
        found = found.max(axis=1).astype(np.int64) - 1
        last, source = found[:, :steps], found[:, steps:]
        base = np.arange(0, rows * steps, steps, dtype=np.int64)[:, None]
        root = (np.where(source >= 0, source, k) + base).ravel()
        for _ in range(max(1, steps - 1).bit_length()):
            root = root[root]
        chosen = np.where(last >= 0, root[base + np.maximum(last, 0)] - base, picks)
        return chosen, rejected

    def _replace_tokens(self, draws, tokens, masked, selected, units_at, first_unit, chosen, budget, rejected, lengths,
                        states):
        """Rolls and random ids of the token strategy, without a loop over chosen units.

        Row r's draws from ``budget[r]`` on are rolls and ids: a roll in the random band is
        followed by one id draw, so draw d is a roll exactly when the run of random-band
        values just before it (from the first roll on) has even length."""
        o, v = self.masker.options, self.masker.vocabulary
        rows, count = draws.shape
        d = np.arange(count)
        rolling = d >= budget[:, None]
        to_mask = _below_share(draws, o.mask_share)
        pool = v.random_pool
        if len(pool):
            band = rolling & ~to_mask & _below_share(draws, o.mask_share + o.random_share)
        else:
            band = np.zeros((rows, count), dtype=bool)
        last_outside = np.maximum.accumulate(np.where(band, -1, d), axis=1)
        is_roll = rolling
        is_roll[:, 1:] &= (d[:-1] - last_outside[:, :-1]) % 2 == 0
        nth = np.cumsum(is_roll, axis=1)
        is_roll &= nth <= budget[:, None]
        roll_rows, roll_draws = np.nonzero(is_roll)
        position = units_at[first_unit[roll_rows] + chosen[roll_rows, nth[roll_rows, roll_draws] - 1]]
        selected.reshape(-1)[position] = True
        flat = masked.reshape(-1)
        flat[position[to_mask[roll_rows, roll_draws]]] = v.mask_id
        to_random = band[roll_rows, roll_draws]
        if to_random.any():
            random_rows, id_draws = roll_rows[to_random], roll_draws[to_random] + 1
            pool_size = np.uint64(len(pool))
            high, low = _multiply(draws[random_rows, id_draws], pool_size)
            flat[position[to_random]] = pool[high.astype(np.int64)]
            rejected = rejected.copy()
            rejected[random_rows[low < pool_size]] = True
        return self._redo(tokens, masked, selected, lengths, states, rejected)

    def _mask_words(self, draws, tokens, masked, selected, unit_start, unit_size, units, budget, lengths, states):
        """The choice and replacement loops of ``Masker.mask`` for units of any size, each
        step numpy over the rows of the batch."""
        o, v = self.masker.options, self.masker.vocabulary
        rows, most = unit_start.shape
        count_draws = draws.shape[1]
        k = np.arange(most, dtype=np.int64)
        bounds = np.maximum(units[:, None] - k, 1).astype(np.uint64)
        high, low = _multiply(draws[:, :most], bounds)
        picks = (k + high.astype(np.int64)).ravel()
        rejected_at = (low < bounds) & (k < units[:, None])
        rolls = ((draws >> _S11).astype(np.float64) * 1.1102230246251565e-16).ravel()

        # Choice: step k swaps order[k] and order[pick]; the unit is taken when it fits.
        base = np.arange(rows, dtype=np.int64) * most
        order = np.tile(k, rows)
        sizes = unit_size.ravel()
        count = np.zeros(rows, dtype=np.int64)
        active = (budget > 0) & (units > 0)
        taken = np.zeros((rows, most), dtype=bool)
        taken_unit = np.zeros((rows, most), dtype=np.int64)
        row_steps = np.zeros(rows, dtype=np.int64)
        steps = 0
        while steps < most and active.any():
            p = base + picks[base + steps]
            q = base + steps
            unit = order[p]
            order[p] = order[q]
            order[q] = unit
            size = sizes[base + unit]
            fits = active & (count + size <= budget)
            count += np.where(fits, size, 0)
            taken[:, steps] = fits
            taken_unit[:, steps] = unit
            rejected_at[:, steps] &= active
            row_steps += active
            steps += 1
            active &= (count < budget) & (steps < units)
        rejected = rejected_at[:, :steps].any(axis=1)

        # Replacement: one roll per chosen unit in the order chosen (the row's draws after its
        # last choice step), and for a random replacement one id draw per position of the unit.
        taken_rows, taken_steps = np.nonzero(taken[:, :steps])
        chosen = np.count_nonzero(taken[:, :steps], axis=1)
        nth = np.arange(len(taken_rows)) - (np.cumsum(chosen) - chosen)[taken_rows]
        most_chosen = int(chosen.max(initial=0))
        sequence = np.zeros((rows, most_chosen), dtype=np.int64)
        sequence[taken_rows, nth] = taken_unit[taken_rows, taken_steps]
        pool = v.random_pool
        mask_share, keep_above = o.mask_share, o.mask_share + o.random_share
        at = row_steps
        first_draw = np.arange(rows, dtype=np.int64) * count_draws
        to_mask = np.zeros((rows, most_chosen), dtype=bool)
        to_random = np.zeros((rows, most_chosen), dtype=bool)
        id_at = np.zeros((rows, most_chosen), dtype=np.int64)
        for i in range(most_chosen):
            live = i < chosen
            roll = rolls[first_draw + np.minimum(at, count_draws - 1)]
            masks = live & (roll < mask_share)
            randoms = live & ~masks & (roll < keep_above)
            to_mask[:, i] = masks
            to_random[:, i] = randoms
            at = at + live
            id_at[:, i] = at
            at += np.where(randoms, sizes[base + sequence[:, i]], 0)
        if not len(pool):
            to_random[:] = False

        live_rows, live_nth = np.nonzero(np.arange(most_chosen) < chosen[:, None])
        unit = sequence[live_rows, live_nth]
        first, size = unit_start[live_rows, unit], unit_size[live_rows, unit]
        offset = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
        position_rows, position = np.repeat(live_rows, size), np.repeat(first, size) + offset
        selected[position_rows, position] = True
        where = np.repeat(to_mask[live_rows, live_nth], size)
        masked[position_rows[where], position[where]] = v.mask_id
        where = np.repeat(to_random[live_rows, live_nth], size)
        if where.any():
            random_rows = position_rows[where]
            id_draws = np.repeat(id_at[live_rows, live_nth], size)[where] + offset[where]
            pool_size = np.uint64(len(pool))
            high, low = _multiply(draws[random_rows, id_draws], pool_size)
            masked[random_rows, position[where]] = pool[high.astype(np.int64)]
            rejected[random_rows[low < pool_size]] = True
        return self._redo(tokens, masked, selected, lengths, states, rejected)

    def _redo(self, tokens, masked, selected, lengths, states, rejected):
        """Rows with a rejected draw (probability about bound / 2**64) by ``Masker.mask``."""
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
