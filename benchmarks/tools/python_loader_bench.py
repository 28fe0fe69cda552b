"""Python side of benchmarks/python_loader.sh: PretextLoader against HF's collator, one run.

    python python_loader_bench.py <shard folder> <vocab.txt> <batches> <workers>...

For each worker count: `batches` batches of 32 from
  pretext  PretextLoader(folder, 32, num_workers=w): epoch order, LZ4 block decode (lz4
           package), XXH64 checks (xxhash package), dynamic masking from masking.json,
           padding, int64 tensors — exactly the Swift loader's batches;
  hf       a datasets.Dataset of the same records (input_ids, token_type_ids,
           next_sentence_label; built beforehand, not timed) through
           torch.utils.data.DataLoader(batch_size=32, shuffle=True, num_workers=w,
           collate_fn=DataCollatorForLanguageModeling(BertTokenizerFast, mlm_probability=0.15)).
Both on torch.set_num_threads(1); worker start-up is timed (it is part of an epoch's cost)
after one warm-up batch per side. Prints one line per side and worker count:
`<side> workers=<w> batches=<n> seconds=<s> batches_s=<b> seq_s=<q>`.
"""
import sys
import time

import torch


def timed(name, workers, iterable, batches):
    it = iter(iterable)
    next(it)  # warm-up: imports, first block, first worker
    start = time.perf_counter()
    sequences = 0
    for _ in range(batches):
        sequences += next(it)["input_ids"].shape[0]
    seconds = time.perf_counter() - start
    print("%s workers=%d batches=%d seconds=%.4f batches_s=%.1f seq_s=%.1f"
          % (name, workers, batches, seconds, batches / seconds, sequences / seconds), flush=True)


def main():
    folder, vocab, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
    worker_counts = [int(w) for w in sys.argv[4:]] or [0]
    torch.set_num_threads(1)
    from pretext_reader import PretextLoader, ShardSet
    import datasets
    from transformers import BertTokenizerFast, DataCollatorForLanguageModeling

    shards = ShardSet(folder)
    columns = {"input_ids": [], "token_type_ids": [], "next_sentence_label": []}
    for record in shards:
        ids = record["input_ids"].tolist()
        boundary = int(record.get("segment_boundary", len(ids)))
        columns["input_ids"].append(ids)
        columns["token_type_ids"].append([0] * boundary + [1] * (len(ids) - boundary))
        columns["next_sentence_label"].append(int(record.get("pair_label", 0)))
    dataset = datasets.Dataset.from_dict(columns).with_format("python")
    collator = DataCollatorForLanguageModeling(tokenizer=BertTokenizerFast(vocab_file=vocab, do_lower_case=True),
                                               mlm_probability=0.15, return_tensors="pt")
    for workers in worker_counts:
        epochs = PretextLoader(folder, 32, num_workers=workers)
        # Enough batches in one epoch: a loader's iteration covers the current epoch.
        assert len(epochs) > batches, "the shard set has %d batches of 32, fewer than %d" % (len(epochs), batches + 1)
        timed("pretext", workers, epochs, batches)
        hf = torch.utils.data.DataLoader(dataset, batch_size=32, shuffle=True, num_workers=workers, collate_fn=collator,
                                         generator=torch.Generator().manual_seed(0))
        timed("hf", workers, hf, batches)


if __name__ == "__main__":
    main()
