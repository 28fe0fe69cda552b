"""HF side of benchmarks/loader.sh: DataCollatorForLanguageModeling over Pretext's records.

    python hf_collator.py <shard folder> <vocab.txt> <batches>

Reads every record of the shard folder with the Python reader (not timed), then times
`batches` batches of 32 examples drawn in a shuffled order and collated by
DataCollatorForLanguageModeling (BertTokenizerFast, mlm_probability 0.15: padding, special
tokens mask, 80/10/10 masking) on one torch thread. Prints `hf sequences=… seconds=… seq_s=…`.
"""
import sys
import time

import numpy as np
import torch
from transformers import BertTokenizerFast, DataCollatorForLanguageModeling

from pretext_reader import ShardSet


def main():
    folder, vocab, batches = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(1)
    shards = ShardSet(folder)
    examples = []
    for i in range(len(shards)):
        r = shards[i]
        ids = [int(t) for t in r["input_ids"]]
        boundary = int(r.get("segment_boundary", len(ids)))
        examples.append({"input_ids": ids, "token_type_ids": [0] * boundary + [1] * (len(ids) - boundary),
                         "next_sentence_label": int(r.get("pair_label", 0))})
    tokenizer = BertTokenizerFast(vocab_file=vocab, do_lower_case=True)
    collator = DataCollatorForLanguageModeling(tokenizer=tokenizer, mlm_probability=0.15, return_tensors="pt")
    order = np.random.default_rng(0).permutation(len(examples))
    size = 32
    start = time.perf_counter()
    sequences = 0
    for b in range(batches):
        lo = (b * size) % max(1, len(examples) - size)
        batch = collator([examples[k] for k in order[lo:lo + size]])
        sequences += batch["input_ids"].shape[0]
    seconds = time.perf_counter() - start
    print("hf sequences=%d seconds=%.4f seq_s=%.1f" % (sequences, seconds, sequences / seconds))


if __name__ == "__main__":
    main()
