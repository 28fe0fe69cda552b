"""Prints samples and batches for the cross-language golden tests.

    python -m pretext_reader.golden <folder> <epoch> <count>

``batch_json_lines(batch, epoch, number)`` formats a ``BatchMaker`` batch exactly as
``pretext batches --json`` prints it: one object per row with ``epoch``, ``batch``,
``index``, and the row's real (unpadded) ``input_ids``, ``token_type_ids``, ``labels``,
then ``pair_label`` (-100 without pairs).

The command line:

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


def batch_json_lines(batch, epoch, number):
    """The lines ``pretext batches --json`` prints for one batch (``BatchMaker`` arrays, or
    ``PretextLoader`` batches with ``return_indices=True``: tensors or numpy arrays)."""
    def array(name, fallback=None):
        value = batch.get(name, fallback)
        return value.numpy() if hasattr(value, "numpy") else value

    ids, mask, labels = array("input_ids"), array("attention_mask"), array("labels")
    types = array("token_type_ids")
    if types is None:
        types = 0 * ids
    pairs = array("pair_labels")
    if pairs is None:
        pairs = array("next_sentence_label", array("sentence_order_label"))
    indices = array("sample_indices", array("sample_index"))
    lines = []
    for r in range(ids.shape[0]):
        real = int(mask[r].sum())
        pair = -100 if pairs is None else int(pairs[r])
        lines.append(json.dumps({"epoch": int(epoch), "batch": int(number), "index": int(indices[r]),
                                 "input_ids": ids[r, :real].tolist(), "token_type_ids": types[r, :real].tolist(),
                                 "labels": labels[r, :real].tolist(), "pair_label": pair}))
    return lines


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
