"""Hugging Face's ELECTRA trained the way `pretext train` trains electra-tiny, on the same
batches, to compare learning curves side by side: ElectraForMaskedLM + ElectraForPreTraining
with shared embeddings (the config's generator derived as google-research/electra does),
PretextLoader's batches of a shard folder (the Swift loader's epoch order and dynamic masks),
generator samples by torch.multinomial (no gradient), loss = MLM + disc_weight * RTD, AdamW
(lr, betas 0.9/0.999, eps 1e-6, weight decay 0.01 but on biases and LayerNorm), warmup 10
steps then constant, global-norm clipping at 1. Prints the generator's MLM loss and the
discriminator's RTD loss, accuracy, always-original accuracy and predicted-replaced count every
50 steps.

    python hf_electra_learning.py CONFIG.json SHARDS STEPS [LR]

CONFIG.json: a Pretext ELECTRA config with vocab_size resolved (a run's checkpoint config.json).
Used for docs/TRAINER.md's comparison: with electra-tiny on the bundled sample both sit at the
always-original baseline for the first hundreds of steps, with the same losses.
"""
import json
import os
import sys

import torch
from transformers import ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
from pretext_reader import PretextLoader  # noqa: E402

TRAINING = ("generator_hidden_size", "generator_layers", "disc_weight")


def main():
    config_path, shards, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lr = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-3
    torch.set_num_threads(2)
    torch.manual_seed(0)
    cfg = json.load(open(config_path))
    base = {k: v for k, v in cfg.items() if k not in TRAINING}
    discriminator = ElectraForPreTraining(ElectraConfig(**base))
    width = int(round(cfg["hidden_size"] * cfg.get("generator_hidden_size", 0.25)))
    generator_config = dict(base, hidden_size=width, intermediate_size=4 * width, num_attention_heads=max(1, width // 64),
                            num_hidden_layers=int(round(cfg["num_hidden_layers"] * cfg.get("generator_layers", 1.0))))
    generator = ElectraForMaskedLM(ElectraConfig(**generator_config))
    generator.electra.embeddings = discriminator.electra.embeddings
    generator.generator_lm_head.weight = discriminator.electra.embeddings.word_embeddings.weight
    named = {}
    for name, p in list(discriminator.named_parameters()) + list(generator.named_parameters()):
        named.setdefault(id(p), (name, p))
    no_decay = lambda n: n.endswith(".bias") or "LayerNorm" in n  # noqa: E731
    optimizer = torch.optim.AdamW([{"params": [p for n, p in named.values() if not no_decay(n)], "weight_decay": 0.01},
                                   {"params": [p for n, p in named.values() if no_decay(n)], "weight_decay": 0.0}], lr=lr, eps=1e-6)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: (s + 1) / 10 if s < 10 else 1.0)
    weight = float(cfg.get("disc_weight", 50.0))
    loader = PretextLoader(shards, 32)
    batches = iter(loader)
    for step in range(1, steps + 1):
        try:
            b = next(batches)
        except StopIteration:
            batches = iter(loader)
            b = next(batches)
        b = {k: torch.as_tensor(v).long() for k, v in b.items()}
        ids, labels, mask, types = b["input_ids"], b["labels"], b["attention_mask"], b["token_type_ids"]
        out = generator(input_ids=ids, attention_mask=mask, token_type_ids=types, labels=labels)
        labelled = labels != -100
        with torch.no_grad():
            samples = torch.multinomial(torch.softmax(out.logits[labelled], -1), 1).squeeze(-1)
        originals = torch.where(labelled, labels, ids)
        corrupted = originals.clone()
        corrupted[labelled] = samples
        replaced = (corrupted != originals).long()
        disc = discriminator(input_ids=corrupted, attention_mask=mask, token_type_ids=types, labels=replaced)
        loss = out.loss + weight * disc.loss
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in named.values()], 1.0)
        optimizer.step()
        schedule.step()
        if step % 50 == 0 or step == 1:
            active = mask == 1
            predicted = (disc.logits > 0).long()
            accuracy = (predicted[active] == replaced[active]).float().mean().item()
            baseline = 1 - replaced[active].float().mean().item()
            print("step %d mlm %.4f rtd %.4f accuracy %.4f always-original %.4f predicted-replaced %d" % (
                step, out.loss.item(), disc.loss.item(), accuracy, baseline, int(predicted[active].sum())), flush=True)


if __name__ == "__main__":
    main()
