"""Seconds per training step of ELECTRA in Hugging Face (the trainer benchmark's ELECTRA row):
ElectraForMaskedLM generator + ElectraForPreTraining discriminator with shared embeddings, as
google-research/electra trains them -- ELECTRA-Small's shape with 4 layers: vocab 30522,
embedding 128, discriminator hidden 256, 4 heads, FFN 1024; generator 1/4 wide (64, 1 head, FFN
256); batch 32 x 128, 15% of the positions masked (85% [MASK], 15% kept); the generator's
tokens sampled from its softmax (no gradient), loss = MLM + 50 * RTD, AdamW. `threads` torch
threads; median of `steps` steps after one warm-up step.

    python hf_electra_step.py [threads] [steps]
"""
import statistics
import sys
import time

import torch
from transformers import ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    shape = dict(vocab_size=30522, embedding_size=128, max_position_embeddings=512, num_hidden_layers=4)
    discriminator = ElectraForPreTraining(ElectraConfig(hidden_size=256, num_attention_heads=4, intermediate_size=1024, **shape))
    generator = ElectraForMaskedLM(ElectraConfig(hidden_size=64, num_attention_heads=1, intermediate_size=256, **shape))
    generator.electra.embeddings = discriminator.electra.embeddings
    generator.generator_lm_head.weight = discriminator.electra.embeddings.word_embeddings.weight
    parameters = {id(p): p for p in list(discriminator.parameters()) + list(generator.parameters())}
    optimizer = torch.optim.AdamW(list(parameters.values()), lr=1e-4)
    originals = torch.randint(1000, 30000, (32, 128))
    labelled = torch.rand(32, 128) < 0.15
    labels = torch.where(labelled, originals, torch.full_like(originals, -100))
    masked = originals.clone()
    masked[labelled & (torch.rand(32, 128) < 0.85)] = 103
    times = []
    for step in range(steps + 1):
        start = time.perf_counter()
        out = generator(input_ids=masked, labels=labels)
        with torch.no_grad():
            samples = torch.multinomial(torch.softmax(out.logits[labelled], -1), 1).squeeze(-1)
        corrupted = originals.clone()
        corrupted[labelled] = samples
        disc = discriminator(input_ids=corrupted, labels=(corrupted != originals).long())
        loss = out.loss + 50 * disc.loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if step > 0:
            times.append(time.perf_counter() - start)
    print("hf_electra_step threads=%d seconds=%.4f tokens_s=%.1f" % (threads, statistics.median(times), 32 * 128 / statistics.median(times)))


if __name__ == "__main__":
    main()
