"""``EpochOrder``: which global record sits at each position of one epoch.

The port of Sources/PretextLoader/EpochOrder.swift (docs/LOADER.md, "Shuffle"): the blocks of
all shards are permuted (a ``KeyedPermutation`` keyed by (seed, epoch, 0xB10C)), cut into
windows of ``window_blocks`` consecutive blocks of that order, and the records of window
``w`` are permuted again (key (seed, epoch, 0x30000000 + w)). ``shuffle=False`` keeps storage
order. Keys are ``KeyedRandom(seed, epoch shuffle, index=what, subindex=epoch).next()``.

Memory: the block order (one int64 per block) and a few windows' record tables (one int64
per record of a window, a few thousand: the whole window's order, computed with numpy when
the window is first asked for, so a batch's records are one lookup).
"""

from collections import OrderedDict

import numpy as np

from .keyed_random import KeyedRandom
from .permutation import KeyedPermutation

__all__ = ["EpochOrder", "PURPOSE_EPOCH_SHUFFLE", "shuffle_key"]

#: The loader's shuffle of an epoch: ``0x7368_7566`` (``RandomPurpose.epochShuffle``).
PURPOSE_EPOCH_SHUFFLE = 0x73687566


def shuffle_key(seed, epoch, what):
    """The first value of ``KeyedRandom(seed, epoch shuffle, index=what, subindex=epoch)``."""
    return KeyedRandom(seed, PURPOSE_EPOCH_SHUFFLE, what, epoch).next()


class EpochOrder:
    """Positions ``0 ..< record_count`` of epoch ``epoch`` mapped to global record numbers.

    ``block_first`` (int64, one per storage-order block: its first global record) and
    ``block_records`` (int64: its record count) describe the shard set. ``records_at``
    maps an array of positions; ``record_at`` one position.
    """

    def __init__(self, block_first, block_records, seed, epoch, shuffle=True, window_blocks=16, cached_windows=4):
        if window_blocks < 1:
            raise ValueError("window_blocks must be at least 1")
        self.block_first = np.asarray(block_first, dtype=np.int64)
        self.block_records = np.asarray(block_records, dtype=np.int64)
        self.seed = int(seed)
        self.epoch = int(epoch)
        self.shuffle = bool(shuffle)
        self.window_blocks = int(window_blocks)
        self.record_count = int(self.block_records.sum())
        n = len(self.block_records)
        self._block_permutation = KeyedPermutation(max(1, n), shuffle_key(self.seed, self.epoch, 0xB10C))
        if self.shuffle and n:
            self.block_order = self._block_permutation.all().astype(np.int64)
        else:
            self.block_order = np.arange(n, dtype=np.int64)
        sizes = self.block_records[self.block_order]
        ends = np.cumsum(sizes)
        # Window w ends after block k of the order when (k + 1) % window_blocks == 0 or k is last.
        cut = np.arange(n)
        cut = cut[((cut + 1) % self.window_blocks == 0) | (cut == n - 1)]
        self.window_start = np.concatenate(([0], ends[cut])).astype(np.int64)
        self._tables = OrderedDict()
        self._cached_windows = max(1, int(cached_windows))

    @property
    def window_count(self):
        return len(self.window_start) - 1

    def positions_of_window(self, w):
        """``range`` of the positions window ``w`` holds."""
        return range(int(self.window_start[w]), int(self.window_start[w + 1]))

    def window_of(self, positions):
        """Window of each position (int64 array)."""
        return np.searchsorted(self.window_start, positions, side="right") - 1

    def _table(self, w):
        """Global record at each position of window ``w`` (int64, one per record of the
        window: the window's permutation applied to its blocks' records), cached."""
        table = self._tables.get(w)
        if table is not None:
            self._tables.move_to_end(w)
            return table
        blocks = self.block_order[w * self.window_blocks:(w + 1) * self.window_blocks]
        records = np.concatenate([np.arange(self.block_first[b], self.block_first[b] + self.block_records[b], dtype=np.int64)
                                  for b in blocks]) if len(blocks) else np.zeros(0, dtype=np.int64)
        within = KeyedPermutation(len(records), shuffle_key(self.seed, self.epoch, 0x30000000 + w))
        table = records[within.all().astype(np.int64)] if len(records) else records
        self._tables[w] = table
        while len(self._tables) > self._cached_windows:
            self._tables.popitem(last=False)
        return table

    def records_at(self, positions):
        """Global record at each position (int64 array; every position ``< record_count``)."""
        p = np.asarray(positions, dtype=np.int64)
        if p.size and (int(p.min()) < 0 or int(p.max()) >= self.record_count):
            raise IndexError("position out of range 0..<%d" % self.record_count)
        if not self.shuffle:
            return p.copy()
        if not p.size:
            return np.zeros(0, dtype=np.int64)
        windows = self.window_of(p)
        first = int(windows[0])
        if (windows == first).all():  # a batch's positions usually lie in one window
            return self._table(first)[p - self.window_start[first]]
        out = np.empty(len(p), dtype=np.int64)
        for w in np.unique(windows):
            where = np.nonzero(windows == w)[0]
            out[where] = self._table(int(w))[p[where] - self.window_start[w]]
        return out

    def record_at(self, position):
        return int(self.records_at([position])[0])
