"""``PretextDataset``: a map-style dataset of training samples (no torch import needed).

Samples follow the Swift loader (Sources/PretextLoader/BatchAssembler.swift, ``sample``),
before padding: causal shards give next-token labels; shards with static masks give their
stored masks; other shards are masked dynamically from ``masking.json``.
"""

import json
import os

import numpy as np

from .masking_config import IGNORE_INDEX, MaskingConfig, mask_sample
from .shardset import ShardSet

__all__ = ["PretextDataset", "sample_with_labels", "shard_task"]


def shard_task(shards):
    """The ``task`` named in the first shard's metadata (``nsp``, ``causal``, …), or ``None``."""
    if shards.shard_count == 0:
        return None
    try:
        metadata = json.loads(shards.shard(0).metadata)
    except ValueError:
        return None
    task = metadata.get("task") if isinstance(metadata, dict) else None
    return task if isinstance(task, str) else None


def sample_with_labels(record, index, epoch, config, task=None):
    """``(input_ids, labels)`` of one record, as the Swift loader makes them.

    - ``task == "causal"``: ``input_ids = tokens[:-1]``, ``labels = tokens[1:]`` (shape
      ``(L - 1,)``); a record shorter than 2 tokens is returned whole with labels all -100.
    - static masks (the record has ``masked_positions``): the stored, already corrupted ids
      unchanged; labels hold ``masked_ids`` at ``masked_positions``.
    - otherwise ``mask_sample(tokens, index, epoch, config)``; with ``config`` None, the ids
      unchanged and labels ``None``.

    Arrays are int64; labels are -100 where nothing is predicted.
    """
    ids = record["input_ids"].astype(np.int64, copy=False)
    if task == "causal":
        if len(ids) < 2:
            return ids, np.full(len(ids), IGNORE_INDEX, dtype=np.int64)
        return ids[:-1].copy(), ids[1:].copy()
    if "masked_positions" in record:
        labels = np.full(len(ids), IGNORE_INDEX, dtype=np.int64)
        labels[record["masked_positions"]] = record["masked_ids"]
        return ids, labels
    if config is None:
        return ids, None
    return mask_sample(ids, index, epoch, config)


class PretextDataset:
    """Samples of a shard folder for ``torch.utils.data.DataLoader`` (map style).

    ``dataset[i]`` is a dict for global record ``i`` (shard set order) in ``self.epoch``:
    ``input_ids`` int64 ``(L,)``; ``labels`` int64 ``(L,)`` — the original id at masked
    positions (the next token for causal shards), -100 elsewhere; for pair and segment tasks
    (NSP, SOP, ELECTRA) also ``token_type_ids`` int64 ``(L,)`` (0 before ``segment_boundary``,
    1 from it) and ``segment_boundary`` as an int64 scalar, and for pair tasks ``pair_label``
    (int64). Samples are not padded.

    ``masking``: ``None`` (default) does what the build and the Swift loader do — stored
    masks when the shards have them, next-token labels for causal shards, and otherwise
    dynamic masks from ``<folder>/masking.json`` (``MaskingConfigError`` if it is missing);
    a ``MaskingConfig`` replaces ``masking.json``; ``False`` turns dynamic masking off
    (no ``labels`` for unmasked shards). ``seed`` replaces the configuration's seed (the
    loader's ``seed`` option). Dynamic masks depend only on (seed, sample index, epoch):
    the same in every worker and every run. Call ``set_epoch`` between epochs (workers
    must be recreated to see it, so avoid ``persistent_workers``).
    """

    def __init__(self, folder, epoch=0, masking=None, seed=None, verify=True):
        self.folder = os.fspath(folder)
        self.epoch = int(epoch)
        self.shards = ShardSet(self.folder, verify=verify)
        self.task = shard_task(self.shards)
        has_masks = self.shards.shard_count > 0 and self.shards.shard(0).schema.has_masks
        if masking is None:
            masking = MaskingConfig.load(self.folder) if not has_masks and self.task != "causal" and len(self.shards) else False
        if masking is not False and not isinstance(masking, MaskingConfig):
            raise TypeError("masking must be None, False or a MaskingConfig")
        if masking is not False and seed is not None:
            masking = masking.with_seed(seed)
        self.masking = masking or None

    def set_epoch(self, epoch):
        """Selects the epoch whose dynamic masks ``__getitem__`` returns."""
        self.epoch = int(epoch)

    def __len__(self):
        return len(self.shards)

    def __getitem__(self, i):
        n = len(self.shards)
        i = int(i)
        if i < 0:
            i += n
        record = self.shards[i]
        input_ids, labels = sample_with_labels(record, i, self.epoch, self.masking, self.task)
        out = {"input_ids": input_ids}
        if labels is not None:
            out["labels"] = labels
        if "segment_boundary" in record:
            b = record["segment_boundary"]
            types = np.zeros(len(input_ids), dtype=np.int64)
            types[b:] = 1
            out["token_type_ids"] = types
            out["segment_boundary"] = np.int64(b)
        if "pair_label" in record:
            out["pair_label"] = np.int64(record["pair_label"])
        return out
