"""Seconds per training step of HF BertForPreTraining (the trainer issue's reference model:
vocab 30522, hidden 256, 4 layers, 4 heads, intermediate 1024, batch 32 x 128, MLM + NSP,
AdamW) on `threads` torch threads; median of `steps` steps after one warm-up step.

    python hf_train_step.py [threads] [steps]
"""
import statistics
import sys
import time

import torch
from transformers import BertConfig, BertForPreTraining


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                        intermediate_size=1024, max_position_embeddings=512)
    model = BertForPreTraining(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(1000, 30000, (32, 128))
    labels = torch.full((32, 128), -100)
    positions = torch.rand(32, 128) < 0.15
    labels[positions] = ids[positions]
    nsp = torch.randint(0, 2, (32,))
    times = []
    for step in range(steps + 1):
        start = time.perf_counter()
        out = model(input_ids=ids, labels=labels, next_sentence_label=nsp)
        out.loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step > 0:
            times.append(time.perf_counter() - start)
    print("hf_step threads=%d seconds=%.4f tokens_s=%.1f" % (threads, statistics.median(times), 32 * 128 / statistics.median(times)))


if __name__ == "__main__":
    main()
