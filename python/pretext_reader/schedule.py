"""``RankSchedule``: which epoch positions each batch of one rank (and loader worker) holds.

The port of Sources/PretextLoader/RankSchedule.swift (docs/LOADER.md, "Ranks and workers"):
positions ``start ..< record_count`` are dealt to the ranks like cards (rank r takes
``start + r``, ``start + r + w``, …); ``uneven="pad"`` repeats positions from the start so
every rank gets ⌈n/w⌉ samples, ``"drop"`` gives ⌊n/w⌋. The rank's samples are cut into
batches in order; with length binning each window of ``binning_batches`` batches is re-cut
by length and its batches shuffled. Worker k of K takes the rank's batches k, k + K, …
"""

import numpy as np

from .epoch_order import PURPOSE_EPOCH_SHUFFLE
from .keyed_random import KeyedRandom

__all__ = ["RankSchedule"]


class RankSchedule:
    """The schedule of epoch positions ``start ..< record_count`` for ``options`` (a
    ``LoaderOptions``: batch size, rank and world size, worker, uneven, drop_last, binning)."""

    def __init__(self, record_count, start, options):
        self.record_count = int(record_count)
        self.start = min(int(start), self.record_count)
        o = options
        self.batch_size, self.rank, self.world_size = o.batch_size, o.rank, o.world_size
        self.worker_index, self.worker_count = o.worker_index, o.worker_count
        self.uneven, self.drop_last, self.binning_batches = o.uneven, o.drop_last, o.binning_batches

    @property
    def rank_samples(self):
        """Samples this rank takes this epoch."""
        remaining, w = self.record_count - self.start, self.world_size
        return (remaining + w - 1) // w if self.uneven == "pad" else remaining // w

    @property
    def rank_batches(self):
        b = self.batch_size
        return self.rank_samples // b if self.drop_last else (self.rank_samples + b - 1) // b

    @property
    def worker_batches(self):
        """Batches this worker yields this epoch (rank batches k, k + K, …)."""
        total, k, K = self.rank_batches, self.worker_index, self.worker_count
        return (total - k + K - 1) // K if total > k else 0

    def rank_batch_of_worker_batch(self, n):
        return self.worker_index + n * self.worker_count

    def positions_of_rank_samples(self, j):
        """Epoch position of each rank-sample number in ``j`` (int64 array)."""
        remaining = self.record_count - self.start
        j = np.asarray(j, dtype=np.int64)
        return self.start + (j * self.world_size + self.rank) % remaining

    def rank_samples_of_batch(self, b):
        """Rank-sample numbers of rank batch ``b`` before binning."""
        size = self.batch_size
        return np.arange(b * size, min((b + 1) * size, self.rank_samples), dtype=np.int64)

    def binning_window(self, b):
        """``(window, first, end)``: rank batch ``b``'s binning window and its rank samples."""
        m, size = self.binning_batches, self.batch_size
        q = b // m
        first = q * m * size
        end = min((q + 1) * m * size, self.rank_samples)
        if self.drop_last:
            end = min(end, self.rank_batches * size)
        return q, first, end

    def binned_batches(self, q, first, end, lengths, seed, epoch):
        """The window's samples sorted by length (ties in sample order), cut into batches,
        the batches in a keyed shuffled order (Fisher–Yates with ``KeyedRandom(seed, epoch
        shuffle, index=rank << 40 | q, subindex=epoch)``). ``lengths[i]``: the window's i-th sample."""
        samples = np.arange(first, end, dtype=np.int64)
        order = np.argsort(np.asarray(lengths, dtype=np.int64), kind="stable")
        ordered = samples[order]
        chunks = [ordered[i:i + self.batch_size] for i in range(0, len(ordered), self.batch_size)]
        random = KeyedRandom(seed, PURPOSE_EPOCH_SHUFFLE, (self.rank << 40) | q, epoch)
        for i in range(len(chunks) - 1, 0, -1):
            k = random.below(i + 1)
            chunks[i], chunks[k] = chunks[k], chunks[i]
        return chunks
