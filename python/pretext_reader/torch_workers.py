"""torch DataLoader workers for ``PretextLoader`` (imported only when ``num_workers > 0``).

Worker k of K builds rank batches ``first + k, first + k + K, …`` below ``total`` of one
epoch; torch's DataLoader asks its workers in turn and returns their batches in that order,
so the stream is rank batches ``first, first + 1, …`` whatever K is. Each worker holds its
own copy of the ``BatchMaker`` (shard files are reopened lazily after the fork or spawn,
the block cache starts empty) and no random state: masks are keyed by (seed, record, epoch).
"""

import torch
import torch.utils.data as data

__all__ = ["WorkerStream", "worker_dataloader"]


class WorkerStream(data.IterableDataset):
    """One epoch's rank batches ``first ..< total``, split over DataLoader workers."""

    def __init__(self, loader, epoch, start, first, total):
        super().__init__()
        self.maker = loader.maker
        self.named = loader.named
        self.epoch, self.start, self.first, self.total = epoch, start, first, total

    def __iter__(self):
        info = data.get_worker_info()
        k, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        schedule = self.maker.schedule(self.start)
        for n in range(self.first + k, self.total, workers):
            yield self.named(self.maker.batch(self.epoch, n, self.start, schedule))


def keep_numpy(batch):
    """The DataLoader's collate function: the batch as the worker built it (numpy arrays)."""
    return batch


def worker_dataloader(loader, epoch, start, first, total):
    """A ``torch.utils.data.DataLoader`` over ``WorkerStream`` with ``loader``'s worker options.

    ``batch_size=None``: the stream yields whole batches. They cross from the worker as numpy
    arrays in the result pipe (one pickle of ~100 KB) rather than as tensors in shared memory:
    torch gives every shared tensor a segment of its own and sends its descriptor, which costs
    more than the batch itself (8,000 against 30,000 sequences/s measured with one worker).
    The caller makes tensors of them with ``torch.from_numpy`` (and pins them if asked)."""
    options = {k: v for k, v in loader._dataloader_options.items() if v is not None}
    options.pop("pin_memory", None)
    # A DataLoader iterator draws its workers' base seed from `generator`, by default torch's
    # global generator: that draw would shift the user's dropout masks by whether the loader
    # has workers. The batches use no torch randomness, so a private generator is used.
    return data.DataLoader(WorkerStream(loader, epoch, start, first, total), batch_size=None, collate_fn=keep_numpy,
                           num_workers=loader.num_workers, generator=torch.Generator().manual_seed(0), **options)
