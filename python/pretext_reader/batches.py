"""``BatchMaker``: the Swift loader's padded batches, as numpy arrays.

The port of Sources/PretextLoader/BatchAssembler.swift and ``ShardLoader.make``: a batch is
a pure function of (shard set, options, epoch, worker batch number). ``ShardSetLayout``
reads what the loader needs from the shard files (every block's first record, task, pad id)
and ``BatchMaker.batch(epoch, number)`` builds worker batch ``number`` of ``epoch``:

- ``input_ids``, ``attention_mask``, ``token_type_ids``, ``labels``: int64 ``(rows, length)``,
  ``length`` = the longest row rounded up to ``pad_to_multiple_of``; padding holds the build's
  ``pad_id``, mask 0, type 0, label -100. Token types are 1 from segment B's first token.
  Labels are the original id at masked positions (stored masks, or dynamic masks from
  (seed, record, epoch)), the next token for causal shards, -100 elsewhere.
- ``pair_labels``: int64 ``(rows,)``, 0 = B follows A / in order, 1 = random / swapped, -100
  without pairs; ``sample_indices``: int64 ``(rows,)``, each row's global record index.

Causal shards give ``tokens[:-1]`` as inputs and ``tokens[1:]`` as labels (Swift's
convention); ``causal_labels="inputs"`` gives the whole block as inputs and as labels
instead (-100 on padding), which is what Hugging Face's ``*LMHeadModel`` classes expect:
they shift labels themselves.
"""

import json
import os
from collections import OrderedDict

import numpy as np

from .epoch_order import EpochOrder
from .errors import LoaderError, MaskingConfigError
from .batch_masking import BatchMasker, keyed_states
from .keyed_random import PURPOSE_DYNAMIC_MASKING
from .masking_config import IGNORE_INDEX, MaskingConfig
from .schedule import RankSchedule
from .shardset import ShardSet

__all__ = ["ShardSetLayout", "BatchMaker", "LoaderOptions", "CAUSAL_LABELS"]

CAUSAL_LABELS = ("next", "inputs")


class LoaderOptions:
    """The options of Sources/PretextLoader/LoaderOptions.swift that decide what a batch holds."""

    def __init__(self, batch_size=32, pad_to_multiple_of=1, seed=None, shuffle=True, window_blocks=16, rank=0,
                 world_size=1, worker_index=0, worker_count=1, uneven="pad", drop_last=False, binning_batches=0,
                 masking=None, causal_labels="next"):
        self.batch_size = int(batch_size)
        self.pad_to_multiple_of = int(pad_to_multiple_of)
        self.seed = None if seed is None else int(seed)
        self.shuffle = bool(shuffle)
        self.window_blocks = int(window_blocks)
        self.rank = int(rank)
        self.world_size = int(world_size)
        self.worker_index = int(worker_index)
        self.worker_count = int(worker_count)
        self.uneven = uneven
        self.drop_last = bool(drop_last)
        self.binning_batches = int(binning_batches)
        self.masking = masking
        self.causal_labels = causal_labels
        self.validate()

    def validate(self):
        def check(ok, message):
            if not ok:
                raise LoaderError("loader options: " + message)
        check(self.batch_size >= 1, "batch size must be at least 1")
        check(self.pad_to_multiple_of >= 1, "pad-to-multiple-of must be at least 1")
        check(self.world_size >= 1 and 0 <= self.rank < self.world_size,
              "rank must be in 0..<world size (rank %d, world size %d)" % (self.rank, self.world_size))
        check(self.worker_count >= 1 and 0 <= self.worker_index < self.worker_count, "worker index must be in 0..<worker count")
        check(self.window_blocks >= 1, "window blocks must be at least 1")
        check(self.binning_batches >= 0, "binning batches must be >= 0")
        check(self.uneven in ("pad", "drop"), "uneven must be 'pad' or 'drop', not %r" % (self.uneven,))
        check(self.causal_labels in CAUSAL_LABELS, "causal_labels must be 'next' or 'inputs', not %r" % (self.causal_labels,))
        check(self.masking is None or hasattr(self.masking, "prediction_count"), "masking must be None or a MaskingOptions")

    def replace(self, **changes):
        values = dict(self.__dict__)
        values.update(changes)
        return LoaderOptions(**values)


class ShardSetLayout:
    """Blocks, task and special ids of a shard folder (ShardSetLayout in BatchAssembler.swift).

    ``block_first`` / ``block_records``: int64 per storage-order block of all shards (first
    global record, record count); ``block_shard`` / ``block_in_shard``: where it lives.
    """

    def __init__(self, folder, verify=True):
        self.folder = os.fspath(folder)
        self.shards = ShardSet(self.folder, verify=verify, cache_blocks=1)
        if self.shards.shard_count == 0:
            raise LoaderError("loader: %s holds no shards" % self.folder)
        first, records, shard_of, block_of = [], [], [], []
        schema = None
        for s in range(self.shards.shard_count):
            shard = self.shards.shard(s)
            if s == 0:
                schema = shard.schema
                metadata = shard.metadata
            elif (shard.schema.has_pairs != schema.has_pairs or shard.schema.has_segments != schema.has_segments
                  or shard.schema.has_masks != schema.has_masks):
                raise LoaderError("loader: %s has another schema than %s" % (shard.path, self.shards.paths[0]))
            starts = shard.block_first_record
            first.append(starts[:-1] + int(self.shards.shard_start[s]))
            records.append(np.diff(starts))
            shard_of.append(np.full(shard.block_count, s, dtype=np.int64))
            block_of.append(np.arange(shard.block_count, dtype=np.int64))
        self.block_first = np.concatenate(first).astype(np.int64)
        self.block_records = np.concatenate(records).astype(np.int64)
        self.block_shard = np.concatenate(shard_of)
        self.block_in_shard = np.concatenate(block_of)
        try:
            meta = json.loads(metadata)
        except ValueError:
            meta = None
        if not isinstance(meta, dict) or not isinstance(meta.get("task"), str) or not isinstance(meta.get("pad_id"), int):
            raise LoaderError("loader: %s: shard metadata has no task and pad_id (not made by pretext build)" % self.shards.paths[0])
        self.task = meta["task"]
        self.pad_id = int(meta["pad_id"])
        self.max_length = int(meta.get("max_seq_length", 512))
        self.vocab_size = int(meta.get("vocab_size", 0))
        self.eod_id = meta.get("eod_id")
        self.has_pairs = schema.has_pairs
        self.has_segments = schema.has_segments
        self.has_masks = schema.has_masks
        self.record_count = len(self.shards)

    def block_of_records(self, records):
        """Storage-order block holding each global record (int64 array)."""
        return np.searchsorted(self.block_first, records, side="right") - 1


class BatchMaker:
    """Builds the batches of one (rank, worker) stream; see the module docstring for shapes.

    Not thread-safe (one per process: DataLoader workers each get a copy). Holds a cache of
    ``2 × window_blocks`` decoded blocks, so a shuffle window's blocks are decoded once.
    """

    def __init__(self, folder, options=None, verify=True, layout=None):
        self.options = options or LoaderOptions()
        self.layout = layout or ShardSetLayout(folder, verify=verify)
        self.folder = self.layout.folder
        layout = self.layout
        seed = self.options.seed
        self.masking = None
        if not layout.has_masks and layout.task != "causal":
            config = MaskingConfig.load(self.folder)
            if self.options.masking is not None:
                config = MaskingConfig(config.vocab_size, config.mask_id, config.vocabulary.special,
                                       config.vocabulary.continuation, config.seed, self.options.masking, path=config.path)
            seed = config.seed if seed is None else seed
            self.masking = config.with_seed(seed)
            self._batch_masker = BatchMasker(self.masking.masker)
        elif seed is None:
            try:
                seed = MaskingConfig.load(self.folder).seed
            except MaskingConfigError:
                seed = 0
        self.seed = int(seed) & 0xFFFFFFFFFFFFFFFF
        self._block_first = self.layout.block_first.tolist()
        self._cache = OrderedDict()
        self._cache_blocks = max(2, 2 * self.options.window_blocks)
        self._orders = OrderedDict()

    # -- the epoch's order and schedule --------------------------------------------------

    def order(self, epoch):
        """The ``EpochOrder`` of ``epoch`` (the two most recent are kept)."""
        order = self._orders.get(epoch)
        if order is None:
            o = self.options
            order = EpochOrder(self.layout.block_first, self.layout.block_records, self.seed, epoch, o.shuffle, o.window_blocks)
            self._orders[epoch] = order
            while len(self._orders) > 2:
                self._orders.popitem(last=False)
        return order

    def schedule(self, start=0):
        return RankSchedule(self.layout.record_count, start, self.options)

    # -- records ---------------------------------------------------------------------------

    def _block(self, b):
        """``(block, token offsets, segment boundaries, pair labels)`` of storage-order block
        ``b``: the ``DecodedBlock`` and three of its columns as lists (None when absent), for
        the per-row lookups of ``_gather``; cached."""
        entry = self._cache.get(b)
        if entry is not None:
            self._cache.move_to_end(b)
            return entry
        shard = self.layout.shards.shard(int(self.layout.block_shard[b]))
        block = shard.block(int(self.layout.block_in_shard[b]))
        entry = (block, block.token_offsets.tolist(),
                 None if block.segment_boundaries is None else block.segment_boundaries.tolist(),
                 None if block.pair_labels is None else block.pair_labels.tolist())
        self._cache[b] = entry
        while len(self._cache) > self._cache_blocks:
            self._cache.popitem(last=False)
        return entry

    def lengths(self, records):
        """Token count of each global record (as stored)."""
        blocks = self.layout.block_of_records(records).tolist()
        first = self._block_first
        out = []
        for r, b in zip(np.asarray(records).tolist(), blocks):
            offsets = self._block(b)[1]
            local = r - first[b]
            out.append(offsets[local + 1] - offsets[local])
        return np.array(out, dtype=np.int64)

    def _gather(self, records):
        """The stored columns of ``records``: flat tokens (int64, row after row), lengths,
        segment boundaries and pair labels (int64 per row, or None), and the stored masks as
        (row, position, id) int64 arrays (or None)."""
        layout = self.layout
        first = self._block_first
        pieces, lengths, boundaries, pairs = [], [], [], []
        mask_positions, mask_ids = [], []
        has_masks = layout.has_masks
        entries = {}  # this batch's blocks (a shuffled batch takes rows from many blocks in turn)
        for r, b in zip(records.tolist(), layout.block_of_records(records).tolist()):
            entry = entries.get(b)
            if entry is None:
                entry = entries[b] = self._block(b)
            block, offsets, block_boundaries, block_pairs = entry
            local = r - first[b]
            a, e = offsets[local], offsets[local + 1]
            pieces.append(block.tokens[a:e])
            lengths.append(e - a)
            if block_boundaries is not None:
                boundaries.append(block_boundaries[local])
            if block_pairs is not None:
                pairs.append(block_pairs[local])
            if has_masks:
                m, me = block.mask_offsets[local], block.mask_offsets[local + 1]
                mask_positions.append(block.masked_positions[m:me])
                mask_ids.append(block.masked_ids[m:me])
        rows = len(lengths)
        flat = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        lengths = np.array(lengths, dtype=np.int64)
        boundaries = np.array(boundaries, dtype=np.int64) if layout.has_segments else None
        pairs = np.array(pairs, dtype=np.int64) if layout.has_pairs else None
        masks = None
        if has_masks:
            counts = np.array([len(x) for x in mask_positions], dtype=np.int64)
            masks = (np.repeat(np.arange(rows), counts), np.concatenate(mask_positions).astype(np.int64),
                     np.concatenate(mask_ids).astype(np.int64))
        return flat, lengths, boundaries, pairs, masks

    def batch_of_records(self, records, epoch):
        """The padded batch of ``records`` (global record numbers) in ``epoch``: a dict of arrays."""
        records = np.asarray(records, dtype=np.int64)
        layout = self.layout
        rows = len(records)
        flat, lengths, boundaries, pairs, masks = self._gather(records)
        width = max(1, int(lengths.max(initial=0)))
        column = np.arange(width)
        real = column[None, :] < lengths[:, None]
        grid = np.full((rows, width), layout.pad_id, dtype=np.int64)
        grid[real] = flat
        ignore = np.int64(IGNORE_INDEX)
        if layout.task == "causal" and self.options.causal_labels == "next":
            # Inputs tokens[:-1], labels tokens[1:]; a record of fewer than 2 tokens is kept
            # whole with no label.
            shifts = lengths >= 2
            used = np.where(shifts, lengths - 1, lengths)
            following = np.full((rows, width), ignore, dtype=np.int64)
            following[:, :-1] = grid[:, 1:]
            labels = np.where((column[None, :] < used[:, None]) & shifts[:, None], following, ignore)
            input_ids = grid
        elif layout.task == "causal":
            used, input_ids, labels = lengths, grid, np.where(real, grid, ignore)
        elif masks is not None:
            used, input_ids = lengths, grid
            labels = np.full((rows, width), ignore, dtype=np.int64)
            labels[masks[0], masks[1]] = masks[2]
        elif self.masking is not None:
            used = lengths
            states = keyed_states(self.masking.seed, PURPOSE_DYNAMIC_MASKING, records, epoch)
            input_ids, selected = self._batch_masker.mask(grid, lengths, states)
            labels = np.where(selected, grid, ignore)
        else:
            used, input_ids = lengths, grid
            labels = np.full((rows, width), ignore, dtype=np.int64)
        m = self.options.pad_to_multiple_of
        length = (int(used.max(initial=0)) + m - 1) // m * m
        if length > width:
            extra = length - width
            input_ids = np.pad(input_ids, ((0, 0), (0, extra)), constant_values=layout.pad_id)
            labels = np.pad(labels, ((0, 0), (0, extra)), constant_values=IGNORE_INDEX)
        elif length < width:
            input_ids, labels = input_ids[:, :length], labels[:, :length]
        column = np.arange(length)
        attention = column[None, :] < used[:, None]
        if layout.task == "causal":
            # Elsewhere the grid's padding already holds pad_id and labels -100 (masks lie
            # within their record); causal inputs lose their last token.
            input_ids = np.where(attention, input_ids, np.int64(layout.pad_id))
            labels = np.where(attention, labels, ignore)
        if boundaries is not None:
            types = ((column[None, :] >= boundaries[:, None]) & attention).astype(np.int64)
        else:
            types = np.zeros((rows, length), dtype=np.int64)
        return {"input_ids": input_ids, "attention_mask": attention.astype(np.int64), "token_type_ids": types,
                "labels": labels, "pair_labels": pairs if pairs is not None else np.full(rows, ignore, dtype=np.int64),
                "sample_indices": records}

    # -- batches ---------------------------------------------------------------------------

    def records_of_batch(self, epoch, number, start=0, schedule=None):
        """Global records of worker batch ``number`` of ``epoch`` (``ShardLoader.make``)."""
        schedule = schedule or self.schedule(start)
        order = self.order(epoch)
        b = schedule.rank_batch_of_worker_batch(number)
        if self.options.binning_batches > 0:
            q, first, end = schedule.binning_window(b)
            window_records = order.records_at(schedule.positions_of_rank_samples(np.arange(first, end)))
            chunks = schedule.binned_batches(q, first, end, self.lengths(window_records), self.seed, epoch)
            samples = chunks[b - q * self.options.binning_batches]
        else:
            samples = schedule.rank_samples_of_batch(b)
        return order.records_at(schedule.positions_of_rank_samples(samples))

    def batch(self, epoch, number, start=0, schedule=None):
        """Worker batch ``number`` of ``epoch`` (of a schedule starting at epoch position ``start``)."""
        schedule = schedule or self.schedule(start)
        if not 0 <= number < schedule.worker_batches:
            raise LoaderError("loader options: epoch %d has %d batches, not %d" % (epoch, schedule.worker_batches, number + 1))
        return self.batch_of_records(self.records_of_batch(epoch, number, start, schedule), epoch)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cache"] = OrderedDict()
        state["_orders"] = OrderedDict()
        return state
