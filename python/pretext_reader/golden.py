"""Prints samples for the cross-language golden test.

    python -m pretext_reader.golden <folder> <epoch> <count>

One JSON object per line, ``{"index": i, "input_ids": [...], "labels": [...]}``, for
sample indices ``0 .. count-1`` of ``epoch`` in index order (not shuffled, not padded),
as the Swift loader makes each sample: the stored masks when the shards have static
masks; next-token labels (inputs ``tokens[:-1]``, labels ``tokens[1:]``) when the shard
metadata says ``"task": "causal"``; otherwise dynamic masks from ``<folder>/masking.json``.
Labels are -100 where nothing is predicted.
"""

import argparse
import json
import sys

from .dataset import sample_with_labels, shard_task
from .errors import CatalogError, MaskingConfigError, ShardFormatError
from .masking_config import MaskingConfig
from .shardset import ShardSet


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m pretext_reader.golden",
                                     description="Print samples 0..count-1 of an epoch as JSON lines.")
    parser.add_argument("folder", help="shard folder (catalog.sqlite or *.ptxs, and masking.json)")
    parser.add_argument("epoch", type=int, help="epoch number (the subindex of the masking key)")
    parser.add_argument("count", type=int, help="number of samples, from index 0")
    args = parser.parse_args(argv)
    if args.epoch < 0 or args.count < 0:
        parser.error("epoch and count must not be negative")
    try:
        shards = ShardSet(args.folder)
        if args.count > len(shards):
            parser.error("count %d exceeds the %d samples of %s" % (args.count, len(shards), args.folder))
        task = shard_task(shards)
        config = None
        out = sys.stdout
        for i in range(args.count):
            record = shards[i]
            if config is None and task != "causal" and "masked_positions" not in record:
                config = MaskingConfig.load(args.folder)
            input_ids, labels = sample_with_labels(record, i, args.epoch, config, task)
            out.write(json.dumps({"index": i, "input_ids": input_ids.tolist(), "labels": labels.tolist()}) + "\n")
    except (ShardFormatError, CatalogError, MaskingConfigError, OSError) as error:
        print("error: %s" % error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
