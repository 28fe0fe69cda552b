"""Train a Hugging Face model with ``transformers.Trainer`` on Pretext shards.

    python examples/hf_trainer.py shards/bert-nsp --max-steps 20
    python examples/hf_trainer.py shards/gpt-causal --max-steps 20 --workers 2
    python examples/hf_trainer.py shards/bert-nsp --max-steps 40 --output runs/hf --resume

The model follows the build's task (shard metadata): ``BertForPreTraining`` for NSP,
``AlbertForPreTraining`` for SOP, ``BertForMaskedLM`` for FULL-/DOC-SENTENCES and
``GPT2LMHeadModel`` for causal blocks, sized by ``--hidden``/``--layers`` (a tiny model by
default) with the vocabulary size and sequence length of the build. Batches come from
``PretextLoader``, exactly those of the Swift loader (``pretext batches``): Trainer gets the
loader from ``get_train_dataloader`` (a batch is already padded and masked, so no collator).

Each checkpoint Trainer writes (``--save-steps``) also holds ``pretext_loader.json``, the
loader's ``state_dict()``; ``--resume`` continues from the last checkpoint with Trainer's own
``resume_from_checkpoint`` and the loader's state, so the run sees the batches an
uninterrupted run would (Trainer's own skipping, which replays the batches already trained
on, is replaced by the loader's state; Trainer still restores its random generators).
"""

import argparse
import json
import math
import os
import sys

import torch
import transformers
from transformers import Trainer, TrainerCallback, TrainingArguments

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from pretext_reader import PretextLoader  # noqa: E402

LOADER_STATE = "pretext_loader.json"


def make_model(loader, hidden, layers, heads):
    """A freshly initialized HF model for the build's task, sized ``hidden`` × ``layers``."""
    task = loader.task
    common = dict(vocab_size=loader.vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                  intermediate_size=4 * hidden, max_position_embeddings=max(loader.max_length, 8),
                  pad_token_id=loader.pad_id)
    if task == "causal":
        config = transformers.GPT2Config(vocab_size=loader.vocab_size, n_embd=hidden, n_layer=layers, n_head=heads,
                                         n_positions=max(loader.max_length, 8))
        return transformers.GPT2LMHeadModel(config)
    if task == "sop":
        config = transformers.AlbertConfig(embedding_size=hidden, **common)
        return transformers.AlbertForPreTraining(config)
    config = transformers.BertConfig(**common)
    if task == "nsp":
        return transformers.BertForPreTraining(config)
    return transformers.BertForMaskedLM(config)


class PretextTrainer(Trainer):
    """Trainer whose training batches come from a ``PretextLoader``."""

    def __init__(self, *args, pretext_loader, **kwargs):
        super().__init__(*args, **kwargs)
        self.pretext_loader = pretext_loader

    def get_train_dataloader(self):
        return self.pretext_loader

    def get_resumed_dataloader(self, dataloader, steps_trained_in_current_epoch):
        # Resuming, Trainer would replay and drop the batches already trained on; the loader
        # was positioned by load_state_dict and continues by itself.
        return dataloader


class LoaderStateCallback(TrainerCallback):
    """Writes the loader's state into every checkpoint folder Trainer saves."""

    def __init__(self, loader):
        self.loader = loader

    def on_save(self, args, state, control, **kwargs):
        folder = os.path.join(args.output_dir, "checkpoint-%d" % state.global_step)
        with open(os.path.join(folder, LOADER_STATE), "w") as f:
            json.dump(self.loader.state_dict(), f)


def last_checkpoint(output):
    steps = [int(n.split("-")[1]) for n in os.listdir(output) if n.startswith("checkpoint-")] if os.path.isdir(output) else []
    return os.path.join(output, "checkpoint-%d" % max(steps)) if steps else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shards", help="a Pretext shard folder (pretext build)")
    parser.add_argument("--max-steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0, help="DataLoader worker processes of the loader")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--heads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--output", default="runs/hf-trainer")
    parser.add_argument("--save-steps", type=int, default=0, help="checkpoint every N steps (0 = only at the end)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --output")
    parser.add_argument("--seed", type=int, default=0, help="seed of the model's initial weights")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    probe = PretextLoader(args.shards, args.batch_size)
    causal = probe.task == "causal"
    loader = PretextLoader(args.shards, args.batch_size, num_workers=args.workers,
                           causal_labels="inputs" if causal else "next")
    model = make_model(loader, args.hidden, args.layers, args.heads)
    checkpoint = last_checkpoint(args.output) if args.resume else None
    if checkpoint:
        with open(os.path.join(checkpoint, LOADER_STATE)) as f:
            loader.load_state_dict(json.load(f))
    training = TrainingArguments(
        output_dir=args.output, max_steps=args.max_steps, per_device_train_batch_size=args.batch_size,
        learning_rate=args.lr, warmup_steps=0, lr_scheduler_type="constant", logging_steps=1, report_to=[],
        save_strategy="steps" if args.save_steps else "no", save_steps=args.save_steps or 500, use_cpu=True,
        disable_tqdm=True, seed=args.seed, dataloader_num_workers=0)
    trainer = PretextTrainer(model=model, args=training, pretext_loader=loader, callbacks=[LoaderStateCallback(loader)])
    result = trainer.train(resume_from_checkpoint=checkpoint)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    summary = {"model": type(model).__name__, "task": loader.task, "steps": trainer.state.global_step,
               "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None,
               "losses": losses,
               "train_loss": result.training_loss, "ln_vocab": math.log(loader.vocab_size),
               "loader": loader.state_dict()}
    print(json.dumps(summary))
    return 0 if losses and all(math.isfinite(x) for x in losses) else 1


if __name__ == "__main__":
    sys.exit(main())
