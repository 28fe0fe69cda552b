"""``PretextLoader``: the Swift loader's batches in Python, epoch after epoch, with exact resume.

    from pretext_reader import PretextLoader
    loader = PretextLoader("shards/bert-nsp", batch_size=32, num_workers=2)
    for epoch in range(3):
        for batch in loader:          # the remaining batches of the current epoch
            model(**batch)            # input_ids, attention_mask, token_type_ids, labels,
                                      # next_sentence_label (nsp) / sentence_order_label (sop)
    checkpoint["loader"] = loader.state_dict()
    loader.load_state_dict(checkpoint["loader"])

Batches equal ``pretext batches --json`` (Sources/PretextLoader/ShardLoader.swift) bit for
bit: the same epoch order, rank split, dynamic masks, padding and length binning. A batch
is a pure function of (shard set, options, epoch, batch number), so DataLoader workers need
no shared state: with ``num_workers = K`` worker k builds the rank's batches k, k + K, …
and torch's DataLoader hands them out in order, so the stream is the same for every K.

``state_dict()`` is the Swift loader's state (``pretext-loader-state-1``: seed, records,
epoch, start, batch, …) with ``worker_count`` 1 — a Python loader with any number of
DataLoader workers is one stream of the rank — plus ``shard_set``, a fingerprint of the
shard files. A state saved by ``pretext train`` resumes here and the reverse
(``ShardLoader.restore`` ignores the extra key).
"""

import json

import numpy as np

from .batches import CAUSAL_LABELS, BatchMaker, LoaderOptions
from .errors import LoaderError, LoaderStateError
from .xxhash64 import xxh64

__all__ = ["PretextLoader", "STATE_FORMAT", "pair_label_name"]

STATE_FORMAT = "pretext-loader-state-1"


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def pair_label_name(task):
    """The Hugging Face name of the pair label of ``task``: ``next_sentence_label`` for NSP
    (``BertForPreTraining``), ``sentence_order_label`` for SOP (``AlbertForPreTraining``)."""
    return {"nsp": "next_sentence_label", "sop": "sentence_order_label"}.get(task)


def shard_set_fingerprint(layout):
    """16 hex digits naming the shard files: each one's catalog path, record count and the
    checksum of its index and footer (which covers every block checksum)."""
    lines = []
    for s, path in enumerate(layout.shards.paths):
        shard = layout.shards.shard(s)
        lines.append("%s\t%d\t%016x" % (path[len(layout.folder):].lstrip("/"), len(shard), shard.footer.checksum))
    return "%016x" % xxh64("\n".join(lines).encode("utf-8"))


class PretextLoader:
    """Batches of a shard folder as a PyTorch training loop takes them.

    Options are the Swift loader's (docs/LOADER.md): ``batch_size``; ``rank`` and
    ``world_size`` (default: ``torch.distributed``'s when it is initialized, else 0 and 1);
    ``seed`` (default: the build's, from ``masking.json``); ``shuffle``; ``window_blocks``;
    ``pad_to_multiple_of``; ``binning_batches`` (length binning, 0 = off); ``uneven``
    (``"pad"`` or ``"drop"``) and ``drop_last``; ``masking`` (a ``MaskingOptions`` replacing
    the build's). ``epoch``: the epoch to start in.

    ``num_workers``: torch DataLoader worker processes (0 = build batches in this process;
    more needs torch); ``prefetch_factor``, ``pin_memory`` and ``multiprocessing_context``
    are passed to ``torch.utils.data.DataLoader`` (one per epoch: workers start with each
    ``iter(loader)``, so they always see the current epoch).

    Batches: dicts of int64 tensors (``return_tensors="pt"``, the default when torch is
    installed) or numpy arrays (``"np"``), shapes ``(rows, length)``: ``input_ids``,
    ``attention_mask``, ``labels`` (-100 where nothing is predicted), ``token_type_ids``
    (not for causal shards: GPT-2 would add token 0's embedding), and ``(rows,)``
    ``next_sentence_label`` / ``sentence_order_label`` for NSP / SOP shards.
    ``return_indices=True`` adds ``sample_index`` (global record index per row).
    ``causal_labels``: ``"next"`` (Swift's: inputs ``tokens[:-1]``, labels ``tokens[1:]``)
    or ``"inputs"`` (inputs and labels the whole block, for HF ``*LMHeadModel``, which shift).

    Iterating yields the remaining batches of the current epoch, then moves to the next
    epoch, so ``for epoch …: for batch in loader`` walks epochs as a DataLoader does.
    ``len(loader)`` is the number of batches of the current epoch for this rank.
    """

    def __init__(self, folder, batch_size=32, *, rank=None, world_size=None, num_workers=0, epoch=0, seed=None,
                 shuffle=True, window_blocks=16, pad_to_multiple_of=1, binning_batches=0, uneven="pad",
                 drop_last=False, masking=None, causal_labels="next", return_tensors=None, return_indices=False,
                 verify=True, prefetch_factor=None, pin_memory=False, multiprocessing_context=None):
        torch = _torch()
        if rank is None and world_size is None and torch is not None and torch.distributed.is_available() \
                and torch.distributed.is_initialized():
            rank, world_size = torch.distributed.get_rank(), torch.distributed.get_world_size()
        rank = 0 if rank is None else rank
        world_size = 1 if world_size is None else world_size
        if return_tensors is None:
            return_tensors = "pt" if torch is not None else "np"
        if return_tensors not in ("pt", "np"):
            raise LoaderError("loader options: return_tensors must be 'pt' or 'np', not %r" % (return_tensors,))
        if return_tensors == "pt" and torch is None:
            raise LoaderError("loader options: return_tensors='pt' needs torch (pip install torch), or pass return_tensors='np'")
        num_workers = int(num_workers)
        if num_workers < 0:
            raise LoaderError("loader options: num_workers must be >= 0")
        if num_workers > 0 and torch is None:
            raise LoaderError("loader options: num_workers > 0 runs torch DataLoader workers and needs torch")
        if causal_labels not in CAUSAL_LABELS:
            raise LoaderError("loader options: causal_labels must be 'next' or 'inputs', not %r" % (causal_labels,))
        options = LoaderOptions(batch_size=batch_size, pad_to_multiple_of=pad_to_multiple_of, seed=seed, shuffle=shuffle,
                                window_blocks=window_blocks, rank=rank, world_size=world_size, uneven=uneven,
                                drop_last=drop_last, binning_batches=binning_batches, masking=masking,
                                causal_labels=causal_labels)
        self.maker = BatchMaker(folder, options, verify=verify)
        self.folder = self.maker.folder
        self.options = options
        self.num_workers = num_workers
        self.return_tensors = return_tensors
        self.return_indices = bool(return_indices)
        self._dataloader_options = {"prefetch_factor": prefetch_factor, "pin_memory": pin_memory,
                                    "multiprocessing_context": multiprocessing_context}
        self.fingerprint = shard_set_fingerprint(self.maker.layout)
        self._epoch, self._start, self._consumed = int(epoch), 0, 0
        if self.maker.schedule(0).rank_batches == 0:
            raise LoaderError("loader: %s: %d records give rank %d no batch"
                              % (self.folder, self.maker.layout.record_count, rank))

    # -- what the shard set is -----------------------------------------------------------

    @property
    def task(self):
        """The build's task: ``nsp``, ``sop``, ``full-sentences``, ``doc-sentences``, ``causal`` or ``electra``."""
        return self.maker.layout.task

    @property
    def seed(self):
        return self.maker.seed

    @property
    def record_count(self):
        return self.maker.layout.record_count

    @property
    def pad_id(self):
        return self.maker.layout.pad_id

    @property
    def max_length(self):
        """The build's ``max_seq_length`` (shard metadata)."""
        return self.maker.layout.max_length

    @property
    def vocab_size(self):
        return self.maker.layout.vocab_size

    @property
    def epoch(self):
        return self._epoch

    def __len__(self):
        return self.maker.schedule(self._start).rank_batches

    # -- batches ---------------------------------------------------------------------------

    def named(self, batch):
        """The Hugging Face dict of a ``BatchMaker`` batch (numpy arrays)."""
        out = {"input_ids": batch["input_ids"], "attention_mask": batch["attention_mask"]}
        if self.task != "causal":
            out["token_type_ids"] = batch["token_type_ids"]
        out["labels"] = batch["labels"]
        name = pair_label_name(self.task) if self.maker.layout.has_pairs else None
        if name:
            out[name] = batch["pair_labels"]
        if self.return_indices:
            out["sample_index"] = batch["sample_indices"]
        return out

    def batch(self, epoch, number):
        """Batch ``number`` of ``epoch`` for this rank (numpy, Hugging Face names), built
        here in isolation: the same batch iteration yields there."""
        return self.named(self.maker.batch(int(epoch), int(number)))

    def _convert(self, named):
        if self.return_tensors == "pt":
            torch = _torch()
            return {k: torch.from_numpy(v) for k, v in named.items()}
        return named

    def set_epoch(self, epoch):
        """Makes ``epoch`` the one the next ``iter(loader)`` walks (as ``DistributedSampler.set_epoch``).

        Another epoch than the current one starts at its first batch; the current epoch keeps
        its position, so a loader resumed mid-epoch is not rewound by a training loop that
        calls ``set_epoch`` at the start of every epoch (Hugging Face's Trainer does)."""
        if int(epoch) != self._epoch:
            self._begin(int(epoch), 0, 0)

    def __iter__(self):
        if self._consumed >= len(self):
            self._begin(self._epoch + 1, 0, 0)
        epoch, start, first, total = self._epoch, self._start, self._consumed, len(self)
        if self.num_workers == 0:
            for n in range(first, total):
                batch = self._convert(self.named(self.maker.batch(epoch, n, start)))
                self._consumed = n + 1
                yield batch
        else:
            from .torch_workers import worker_dataloader
            pin = self._dataloader_options.get("pin_memory")
            for batch in worker_dataloader(self, epoch, start, first, total):
                batch = self._convert(batch)
                if pin and self.return_tensors == "pt":
                    batch = {k: v.pin_memory() for k, v in batch.items()}
                self._consumed += 1
                yield batch
        if (self._epoch, self._consumed) == (epoch, total):
            self._begin(epoch + 1, 0, 0)

    # -- state -----------------------------------------------------------------------------

    def state_dict(self):
        """Where the loader stands: the Swift ``LoaderState`` JSON object (plus ``shard_set``).

        ``batch`` counts this rank's batches of ``epoch`` handed out so far."""
        o = self.options
        return {"format": STATE_FORMAT, "seed": self.seed, "records": self.record_count, "epoch": self._epoch,
                "start": self._start, "batch": self._consumed, "batch_size": o.batch_size, "world_size": o.world_size,
                "rank": o.rank, "worker_count": 1, "worker_index": 0, "shuffle": o.shuffle,
                "binning_batches": o.binning_batches, "shard_set": self.fingerprint}

    def load_state_dict(self, state):
        """Continues from ``state`` (a dict, or its JSON text, from ``state_dict()`` or Swift).

        Same world size, batch size and binning: the next batches are exactly those of an
        uninterrupted run. Another world size: the first ``start + batch·batch_size·world_size``
        positions of the epoch count as consumed and the rest is dealt to the new ranks
        (``ShardLoader.restore``). Raises ``LoaderStateError`` for a state of another shard set,
        seed, shuffle setting or rank. Takes effect at the next ``iter(loader)``.
        """
        if isinstance(state, (bytes, str)):
            try:
                state = json.loads(state)
            except ValueError as error:
                raise LoaderStateError("loader state: not JSON (%s)" % error) from None
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise LoaderStateError("loader state: not a %s object" % STATE_FORMAT)
        keys = ("seed", "records", "epoch", "start", "batch", "batch_size", "world_size", "rank", "worker_count",
                "worker_index", "binning_batches")
        for key in keys:
            if isinstance(state.get(key), bool) or not isinstance(state.get(key), int) or state[key] < 0:
                raise LoaderStateError("loader state: %s must be a non-negative integer, not %r" % (key, state.get(key)))
        if state["batch_size"] < 1 or state["world_size"] < 1 or state["worker_count"] < 1:
            raise LoaderStateError("loader state: batch_size, world_size and worker_count must be at least 1")
        if state["records"] != self.record_count:
            raise LoaderStateError("loader state: the state is of a shard set of %d records, %s has %d (the folder changed)"
                                   % (state["records"], self.folder, self.record_count))
        saved = state.get("shard_set")
        if saved is not None and saved != self.fingerprint:
            raise LoaderStateError("loader state: the shard files of %s changed since the state was saved (fingerprint %s, now %s)"
                                   % (self.folder, saved, self.fingerprint))
        o = self.options
        if state["seed"] != self.seed or bool(state.get("shuffle")) != o.shuffle:
            raise LoaderStateError("loader state: state was taken with another seed or shuffle setting")
        same = (state["world_size"] == o.world_size and state["worker_count"] == 1 and state["batch_size"] == o.batch_size
                and state["binning_batches"] == o.binning_batches)
        if same:
            if state["rank"] != o.rank or state["worker_index"] != 0:
                raise LoaderStateError("loader state: state belongs to rank %d worker %d, this loader is rank %d"
                                       % (state["rank"], state["worker_index"], o.rank))
            self._begin(state["epoch"], state["start"], state["batch"])
            return
        rank_batches = state["batch"] * state["worker_count"]
        samples = rank_batches * state["batch_size"]
        if state["binning_batches"] > 0:
            samples = rank_batches // state["binning_batches"] * state["binning_batches"] * state["batch_size"]
        start = min(self.record_count, state["start"] + samples * state["world_size"])
        if start >= self.record_count:
            self._begin(state["epoch"] + 1, 0, 0)
        else:
            self._begin(state["epoch"], start, 0)

    def _begin(self, epoch, start, batch):
        self._epoch, self._start, self._consumed = epoch, start, batch
        if start > 0 and self.maker.schedule(start).rank_batches == 0:
            self._begin(epoch + 1, 0, 0)

    def __repr__(self):
        return ("PretextLoader(%r, task=%s, records=%d, batch_size=%d, rank=%d/%d, epoch=%d, batch=%d/%d)"
                % (self.folder, self.task, self.record_count, self.options.batch_size, self.options.rank,
                   self.options.world_size, self._epoch, self._consumed, len(self)))
