"""Masked-LM corruption, ported bit for bit from Sources/PretextLabeling/Masking/.

``MaskingOptions`` (MaskingOptions.swift), ``MaskingVocabulary`` (MaskingVocabulary.swift)
and ``Masker`` (Masker.swift): choose units — tokens, whole words, n-grams of words or
spans of words — in a lazily shuffled order until the prediction budget is met, then
replace each chosen unit (or span) by ``[MASK]``, random ids, or itself. Every random
choice is drawn from the ``KeyedRandom`` passed in, in the same order as the Swift code,
so the same key gives the same masks in both languages. Units are found with numpy over
the whole sequence; the random stream is drawn in vectorized chunks (``BufferedDraws``);
the choice and replacement loops run per chosen unit.
"""

import numpy as np

from .keyed_random import GAMMA, BufferedDraws, stream_values

__all__ = ["MaskingOptions", "MaskingVocabulary", "Masker", "STRATEGIES", "BUDGETS"]

STRATEGIES = ("token", "whole-word", "ngram", "span")
BUDGETS = ("sequence", "maskable")


class MaskingOptions:
    """How many tokens to mask and what to put in their place.

    rate: share of tokens to predict; max_predictions: cap per sequence (None = none);
    mask_share / random_share: share of chosen units replaced by ``[MASK]`` / a random id
    (the rest keep their id); strategy: ``token``, ``whole-word``, ``ngram`` (n <=
    ``ngram_max`` words, P(n) ∝ 1/n) or ``span`` (geometric word count with success
    probability ``span_p``, at most ``span_max``); budget: ``sequence`` (n counts every
    token, specials included) or ``maskable`` (only maskable tokens).
    """

    def __init__(self, rate=0.15, max_predictions=None, mask_share=0.8, random_share=0.1, strategy="token",
                 ngram_max=3, span_p=0.2, span_max=10, budget="sequence"):
        if strategy not in STRATEGIES:
            raise ValueError("masking strategy must be one of %s, not %r" % (", ".join(STRATEGIES), strategy))
        if budget not in BUDGETS:
            raise ValueError("masking budget must be one of %s, not %r" % (", ".join(BUDGETS), budget))
        self.rate = float(rate)
        self.max_predictions = None if max_predictions is None else int(max_predictions)
        self.mask_share = float(mask_share)
        self.random_share = float(random_share)
        self.strategy = strategy
        self.ngram_max = int(ngram_max)
        self.span_p = float(span_p)
        self.span_max = int(span_max)
        self.budget = budget

    def prediction_count(self, maskable, sequence_length):
        """``min(max_predictions, maskable, max(1, round(n * rate)))``, 0 if nothing is maskable.

        n is ``max(maskable, sequence_length)`` for the ``sequence`` budget, else
        ``maskable``; ``n * rate`` is a float64 product rounded half to even (as Swift's
        ``.toNearestOrEven`` and Python's ``round``).
        """
        if maskable <= 0:
            return 0
        n = max(maskable, sequence_length) if self.budget == "sequence" else maskable
        wanted = max(1, int(round(float(n) * self.rate)))
        if self.max_predictions is not None:
            wanted = min(wanted, self.max_predictions)
        return min(wanted, maskable)

    def __repr__(self):
        return ("MaskingOptions(rate=%r, max_predictions=%r, mask_share=%r, random_share=%r, strategy=%r, "
                "ngram_max=%r, span_p=%r, span_max=%r, budget=%r)"
                % (self.rate, self.max_predictions, self.mask_share, self.random_share, self.strategy,
                   self.ngram_max, self.span_p, self.span_max, self.budget))


class MaskingVocabulary:
    """The ``[MASK]`` id, special ids and word-continuation ids of a vocabulary of ``size`` ids.

    Ids at or above ``size`` are neither special nor continuations (as in Swift). Specials
    are never masked and never drawn as random replacements; ``random_pool`` is every
    non-special id below ``size``, ascending (uint32 array).
    """

    def __init__(self, size, mask_id, special_ids, continuation_ids=()):
        self.size = int(size)
        self.mask_id = int(mask_id)
        self.special = frozenset(int(i) for i in special_ids if 0 <= int(i) < self.size)
        self.continuation = frozenset(int(i) for i in continuation_ids
                                      if 0 <= int(i) < self.size and int(i) not in self.special)
        keep = np.ones(self.size, dtype=bool)
        keep[list(self.special)] = False
        self.random_pool = np.nonzero(keep)[0].astype(np.uint32)


class Masker:
    """``Masker.mask`` of Masker.swift for one options/vocabulary pair."""

    def __init__(self, options, vocabulary):
        self.options = options
        self.vocabulary = vocabulary
        size = vocabulary.size
        # Lookup tables over ids 0 ..< size, plus one entry (index `size`) for every id outside.
        self._special = np.zeros(size + 1, dtype=bool)
        self._special[list(vocabulary.special)] = True
        self._continues = np.zeros(size + 1, dtype=bool)
        self._continues[list(vocabulary.continuation)] = True

    def units(self, tokens):
        """``(unit_start, unit_end, maskable)``: the maskable units as int64 arrays of token
        ranges (maximal runs of non-special tokens; with whole words, a word and its
        continuation pieces), and the number of non-special tokens."""
        t = np.asarray(tokens, dtype=np.int64)
        n = len(t)
        size = self.vocabulary.size
        index = np.where((t < 0) | (t >= size), size, t)
        special = self._special[index]
        if self.options.strategy == "token":
            start = ~special
            unit_start = np.nonzero(start)[0]
            return unit_start, unit_start + 1, len(unit_start)
        # A unit starts at every non-special token that does not continue the token before it
        # (a continuation piece right after a special token starts a unit of its own).
        follows_word = np.zeros(n, dtype=bool)
        follows_word[1:] = ~special[:-1]
        start = ~special & ~(self._continues[index] & follows_word)
        unit_start = np.nonzero(start)[0]
        boundaries = np.append(np.nonzero(special | start)[0], n)
        unit_end = boundaries[np.searchsorted(boundaries, unit_start, side="right")]
        return unit_start, unit_end, int(n - special.sum())

    def mask(self, tokens, random):
        """Masks a sequence; ``random`` is the ``KeyedRandom`` of this sequence.

        ``tokens``: sequence of ints (list or 1-D array). Returns ``(masked, positions,
        original_ids)``: ``masked`` a new list of ints with the replacements in place,
        ``positions`` the chosen positions ascending, ``original_ids`` the ids there before.
        """
        o = self.options
        v = self.vocabulary
        if isinstance(tokens, np.ndarray):
            t = tokens.tolist()
        else:
            t = [int(x) for x in tokens]
            tokens = np.asarray(t, dtype=np.int64)
        original = t[:]
        n = len(t)
        starts, ends, maskable = self.units(tokens)
        budget = o.prediction_count(maskable, n)
        if budget <= 0:
            return t, [], []
        unit_start, unit_end = starts.tolist(), ends.tolist()
        if o.strategy in ("token", "whole-word"):
            out = self._mask_single_units(t, unit_start, unit_end, budget, random)
            if out is not None:
                return out[0], out[1], [original[p] for p in out[1]]
        unit_count = len(unit_start)
        draws = BufferedDraws(random, chunk=min(2 * budget + 8, 256))

        # Visit start units in a lazily shuffled order (Fisher–Yates step k picks among the
        # units not yet visited); clip groups at covered units and at the budget.
        order = list(range(unit_count))
        covered = [False] * unit_count
        chosen = []
        count = 0
        strategy = o.strategy
        for k in range(unit_count):
            if count >= budget:
                break
            pick = k + draws.below(unit_count - k)
            order[k], order[pick] = order[pick], order[k]
            start = order[k]
            if covered[start]:
                continue
            if strategy == "ngram":
                length = _ngram_length(o.ngram_max, draws)
            elif strategy == "span":
                length = _span_length(o.span_p, o.span_max, draws)
            else:
                length = 1
            end = start
            in_span = 0
            while end < unit_count and end - start < length and not covered[end]:
                following = in_span + unit_end[end] - unit_start[end]
                if count + following > budget:
                    break
                in_span = following
                end += 1
            if end == start:
                continue  # even the first unit does not fit: skip it
            for u in range(start, end):
                covered[u] = True
            chosen.append((start, end))
            count += in_span

        # Replacement: one roll per chosen unit (per span for spans), groups in the order
        # chosen, positions in sequence order; a random id is drawn per position.
        per_span = strategy == "span"
        pool = v.random_pool
        pool_size = len(pool)
        mask_share = o.mask_share
        keep_above = o.mask_share + o.random_share
        mask_id = v.mask_id
        positions = []
        for group_start, group_end in chosen:
            u = group_start
            while u < group_end:
                decision_end = group_end if per_span else u + 1
                roll = draws.unit_double()
                for w in range(u, decision_end):
                    for position in range(unit_start[w], unit_end[w]):
                        positions.append(position)
                        if roll < mask_share:
                            t[position] = mask_id
                        elif roll < keep_above and pool_size > 0:
                            t[position] = int(pool[draws.below(pool_size)])
                u = decision_end
        draws.finish()
        positions.sort()
        return t, positions, [original[p] for p in positions]


    def _mask_single_units(self, t, unit_start, unit_end, budget, random):
        """``mask`` for groups of one unit (token and whole-word strategies), with the draws
        inlined: step k of the selection takes draw k, each chosen unit then one roll and, for a
        random replacement, one more draw. The values are computed in one vectorized call
        (at most units + 2 × budget + 1 of them). Returns ``(t, positions)``, or None (the
        caller takes the general path) in the rare case of a rejected draw (probability about
        bound / 2**64)."""
        M = 0xFFFFFFFFFFFFFFFF
        unit_count = len(unit_start)
        values = stream_values(random.state, unit_count + 2 * budget + 1)
        order = list(range(unit_count))
        chosen = []
        count = 0
        j = 0
        for k in range(unit_count):
            if count >= budget:
                break
            bound = unit_count - k
            m = values[j] * bound
            j += 1
            if (m & M) < bound:
                return None
            pick = k + (m >> 64)
            order[k], order[pick] = order[pick], order[k]
            start = order[k]
            size = unit_end[start] - unit_start[start]
            if count + size > budget:
                continue  # the unit does not fit: skip it
            chosen.append(start)
            count += size
        v = self.vocabulary
        pool = v.random_pool
        pool_size = len(pool)
        mask_share = self.options.mask_share
        keep_above = mask_share + self.options.random_share
        mask_id = v.mask_id
        positions = []
        for u in chosen:
            roll = (values[j] >> 11) * 1.1102230246251565e-16
            j += 1
            a, b = unit_start[u], unit_end[u]
            positions.extend(range(a, b))
            if roll < mask_share:
                for position in range(a, b):
                    t[position] = mask_id
            elif roll < keep_above and pool_size > 0:
                for position in range(a, b):
                    m = values[j] * pool_size
                    j += 1
                    if (m & M) < pool_size:
                        return None
                    t[position] = int(pool[m >> 64])
        random.state = (random.state + j * GAMMA) & M
        positions.sort()
        return t, positions


def _ngram_length(max_n, random):
    """n in 1...max_n with P(n) ∝ 1/n (the weights summed left to right, as Swift's reduce)."""
    weights = [1.0 / k for k in range(1, max(1, max_n) + 1)]
    total = 0.0
    for w in weights:
        total += w
    x = random.unit_double() * total
    for k, w in enumerate(weights):
        if x < w:
            return k + 1
        x -= w
    return len(weights)


def _span_length(p, max_length, random):
    """Geometric length with success probability ``p`` (support 1, 2, ...), clipped at ``max_length``."""
    length = 1
    while length < max_length and random.unit_double() >= p:
        length += 1
    return length
