"""Checks that a checkpoint written by `pretext train` is a Hugging Face checkpoint: it loads with
`from_pretrained` (BertForPreTraining / GPT2LMHeadModel / AlbertForPreTraining) with no missing
or unexpected keys except the tied output layer, and HF computes the same losses on the first
batch as `pretext eval` — in eval mode, and in train mode too (the tiny configs train without
dropout, so a dropout rate config.json leaves at HF's default, such as ALBERT's SOP-head
`classifier_dropout_prob`, would show as a difference).

    python hf_checkpoint.py --pretext .build/release/pretext --work TMP [--models bert,gpt,albert,electra]

ELECTRA (pipelines/electra.toml, pipelines/models/electra-tiny.json): the checkpoint's two
folders load with ElectraForPreTraining (`discriminator/`) and ElectraForMaskedLM
(`generator/`), with no missing or unexpected keys but the tied lm head, and share their
embeddings; HF's generator gives `pretext eval`'s generator MLM loss on the first batch; the
generator's samples are drawn again here from HF's softmax with Pretext's keys
(KeyedRandom(seed 1, replacedTokenSampling, batch 0, b·T + t), python/pretext_reader) and HF's
discriminator on that corrupted batch gives `pretext eval`'s RTD loss.

For each model: `pretext build` shards into TMP (BERT: pipelines/bert-nsp.toml with dynamic
masking; GPT: pipelines/gpt-causal.toml; ALBERT: pipelines/albert-sop.toml, static n-gram
masking), `pretext train --steps 5` (pipelines/models/bert-tiny.json, gpt-tiny.json,
albert-tiny.json), `from_pretrained` on the newest checkpoint folder, the first batch of
`pretext batches --no-shuffle --batch-size 8 --json` (storage order, epoch 0 masks — the batch
`pretext eval --batch-size 8 --batches 1` uses), padded with id 0 and an attention mask, HF's
losses in eval mode, and `pretext eval` on that batch. BERT and ALBERT: MLM loss (mean CE over
labels != -100) and NSP / SOP loss (mean CE over the rows); GPT: the causal-LM loss, with
Pretext's labels, which are already shifted (labels[t] is the token at t + 1), so logits[t] is
scored against labels[t]. Prints one verdict line per model; exits 1 if any check fails.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F
import transformers
from transformers import AlbertForPreTraining, BertForPreTraining, ElectraForMaskedLM, ElectraForPreTraining, GPT2LMHeadModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import read_safetensors, tied_keys, untied  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))
from pretext_reader.keyed_random import KeyedRandom  # noqa: E402

#: RandomPurpose.replacedTokenSampling in Sources/PretextCore/Random/KeyedRandom.swift.
PURPOSE_REPLACED_TOKEN_SAMPLING = 0x72746473
TRAIN_SEED = 1  # pretext train's default --seed: the samples' key
BATCH_SIZE = 8
STEPS = 5
RTOL = 1e-4        # HF vs Pretext, relative
PRINTED = 5e-7     # `pretext eval` prints 6 decimals: half a unit of the last digit

# "pair": the sentence-pair task's name and HF's output field of its logits (None: causal LM).
MODELS = {
    "bert": {"pipeline": "pipelines/bert-nsp.toml", "set": ["masking.mode=dynamic"], "model": "pipelines/models/bert-tiny.json",
             "cls": BertForPreTraining, "pair": ("NSP", "seq_relationship_logits")},
    "gpt": {"pipeline": "pipelines/gpt-causal.toml", "set": [], "model": "pipelines/models/gpt-tiny.json", "cls": GPT2LMHeadModel,
            "pair": None},
    "albert": {"pipeline": "pipelines/albert-sop.toml", "set": [], "model": "pipelines/models/albert-tiny.json",
               "cls": AlbertForPreTraining, "pair": ("SOP", "sop_logits")},
}


def run(cmd, capture=False):
    print("+ " + " ".join(cmd), flush=True)
    result = subprocess.run(cmd, cwd=ROOT, check=True, text=True, stdout=subprocess.PIPE if capture else None)
    return result.stdout if capture else None


def newest_checkpoint(run_dir):
    folder = os.path.join(run_dir, "checkpoints")
    names = sorted(n for n in os.listdir(folder) if n.startswith("step-"))
    if not names:
        sys.exit("no checkpoint in %s" % folder)
    return os.path.join(folder, names[-1])


def first_batch(pretext, shards):
    text = run([pretext, "batches", shards, "--no-shuffle", "--batch-size", str(BATCH_SIZE), "--json"], capture=True)
    samples = [json.loads(line) for line in text.splitlines() if line.strip()]
    if len(samples) != BATCH_SIZE or any(s["epoch"] != 0 or s["batch"] != 0 for s in samples):
        sys.exit("expected %d samples of epoch 0 batch 0, got %d" % (BATCH_SIZE, len(samples)))
    length = max(len(s["input_ids"]) for s in samples)

    def pad(key, value):
        return torch.tensor([s[key] + [value] * (length - len(s[key])) for s in samples], dtype=torch.long)

    batch = {
        "input_ids": pad("input_ids", 0),
        "token_type_ids": pad("token_type_ids", 0),
        "attention_mask": torch.tensor([[1] * len(s["input_ids"]) + [0] * (length - len(s["input_ids"])) for s in samples],
                                       dtype=torch.long),
        "labels": pad("labels", -100),
        "pair_label": torch.tensor([s.get("pair_label") if s.get("pair_label") is not None else -100 for s in samples], dtype=torch.long),
    }
    lengths = sorted({len(s["input_ids"]) for s in samples})
    return batch, lengths


def pretext_eval(pretext, shards, run_dir):
    text = run([pretext, "eval", "--shards", shards, "--checkpoint", run_dir, "--batch-size", str(BATCH_SIZE), "--batches", "1"],
               capture=True)
    print(text.strip())
    mlm = re.search(r"(?:MLM|LM) loss ([-+0-9.eE]+|nan|inf)", text)
    pair = re.search(r"pair loss ([-+0-9.eE]+|nan|inf)", text)  # absent for GPT-2
    if not mlm:
        sys.exit("cannot parse `pretext eval` output: %r" % text)
    return float(mlm.group(1)), float(pair.group(1)) if pair else 0.0


def load(cls, checkpoint, attn):
    model, info = cls.from_pretrained(checkpoint, output_loading_info=True, attn_implementation=attn)
    model.eval()
    allowed = set(tied_keys(model))
    problems = []
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        bad = [k for k in info.get(kind, []) if not (kind == "missing_keys" and k in allowed)]
        if bad:
            problems.append("%s: %s" % (kind, bad))
    return model, info, problems


def hf_losses(spec, model, batch):
    with torch.no_grad():
        if spec["pair"]:
            out = model(input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"], attention_mask=batch["attention_mask"])
            vocab = out.prediction_logits.shape[-1]
            mlm = F.cross_entropy(out.prediction_logits.reshape(-1, vocab), batch["labels"].reshape(-1), ignore_index=-100)
            pair = F.cross_entropy(getattr(out, spec["pair"][1]), batch["pair_label"], ignore_index=-100)
            return mlm.item(), pair.item()
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        lm = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch["labels"].reshape(-1), ignore_index=-100)
        return lm.item(), None


def agree(hf, px):
    return abs(hf - px) <= RTOL * abs(hf) + PRINTED


def check(kind, pretext, work):
    spec = MODELS[kind]
    shards = os.path.join(work, kind + "-shards")
    run_dir = os.path.join(work, kind + "-run")
    build = [pretext, "build", spec["pipeline"], "--output", shards]
    for s in spec["set"]:
        build += ["--set", s]
    run(build)
    run([pretext, "train", "--shards", shards, "--model", spec["model"], "--steps", str(STEPS), "--run", run_dir, "--log-every", "1"])
    checkpoint = newest_checkpoint(run_dir)
    problems = []
    if os.path.basename(checkpoint) != "step-%06d" % STEPS:
        problems.append("newest checkpoint is %s, not step-%06d" % (os.path.basename(checkpoint), STEPS))

    arrays, _ = read_safetensors(os.path.join(checkpoint, "model.safetensors"))
    batch, lengths = first_batch(pretext, shards)
    results = {}
    for attn in ("eager", "sdpa"):
        model, info, bad = load(spec["cls"], checkpoint, attn)
        problems += ["%s %s" % (attn, b) for b in bad]
        state = model.state_dict()
        differ = [n for n, a in arrays.items() if n not in state or not np.array_equal(state[n].detach().numpy(), a)]
        if differ:
            problems.append("%s: tensors differ from model.safetensors after loading: %s" % (attn, differ))
        broken = untied(model)
        if broken:
            problems.append("%s: not tied: %s" % (attn, ", ".join(broken)))
        results[attn] = hf_losses(spec, model, batch)
        if attn == "eager":
            # Train mode, dropout left to the exported config: the tiny configs train without
            # dropout, so every rate HF reads (ALBERT's SOP-head classifier_dropout_prob, GPT-2's
            # embd/attn/resid_pdrop) must be 0 in config.json and train mode equal eval mode.
            model.train()
            torch.manual_seed(0)
            train_mode = hf_losses(spec, model, batch)
            model.eval()
            if train_mode != results[attn]:
                problems.append("train mode gives %s, eval mode %s: config.json leaves a dropout on" % (train_mode, results[attn]))
            missing = sorted(info.get("missing_keys", []))
            tied = tied_keys(model)
            labelled = int((batch["labels"] != -100).sum())
    px_main, px_pair = pretext_eval(pretext, shards, run_dir)
    hf_main, hf_pair = results["eager"]
    sdpa_d = abs(results["sdpa"][0] - hf_main)
    label = "MLM" if spec["pair"] else "LM"
    if not agree(hf_main, px_main):
        problems.append("%s loss HF %.6f vs pretext %.6f" % (label, hf_main, px_main))
    line = "%s loss HF %.6f pretext %.6f (|d| %.1e, rel %.1e)" % (label, hf_main, px_main, abs(hf_main - px_main),
                                                                abs(hf_main - px_main) / abs(hf_main))
    if spec["pair"]:
        pair = spec["pair"][0]
        if not agree(hf_pair, px_pair):
            problems.append("%s loss HF %.6f vs pretext %.6f" % (pair, hf_pair, px_pair))
        line += "; %s loss HF %.6f pretext %.6f (|d| %.1e, rel %.1e)" % (pair, hf_pair, px_pair, abs(hf_pair - px_pair),
                                                                        abs(hf_pair - px_pair) / abs(hf_pair))
        sdpa_d = max(sdpa_d, abs(results["sdpa"][1] - hf_pair))
    verdict = "OK" if not problems else "FAIL"
    print("hf-checkpoint %s %s: %s loads %d tensors from %s (missing %s = tied %s; no unexpected keys); batch 8 x %s, "
          "%d labels; %s; train mode = eval mode; eager vs sdpa |d| %.1e%s" % (
              kind, verdict, spec["cls"].__name__, len(arrays), os.path.relpath(checkpoint, work), missing or "none",
              " and ".join(tied) or "none", "/".join(map(str, lengths)), labelled, line, sdpa_d,
              "" if not problems else "; PROBLEMS: " + "; ".join(problems)), flush=True)
    return not problems


def electra_samples(generator_logits, labelled):
    """Pretext's draws at the labelled positions (row-major): inverse CDF of the generator's
    softmax against one uniform of KeyedRandom(seed, replacedTokenSampling, batch 0, b·T + t).
    Returns the samples and how many draws fell within 1e-6 of a CDF boundary (HF's float32
    softmax differs from Pretext's by rounding, so such a draw may pick the neighbouring token)."""
    probabilities = torch.softmax(generator_logits[labelled], -1).double().numpy()
    rows = labelled.reshape(-1).nonzero().reshape(-1).tolist()
    out, close = [], 0
    for k, row in enumerate(rows):
        u = KeyedRandom(TRAIN_SEED, PURPOSE_REPLACED_TOKEN_SAMPLING, 0, row).unit_double()
        cumulative = np.cumsum(probabilities[k])
        j = int(min(np.searchsorted(cumulative, u, side="right"), len(cumulative) - 1))
        close += int(abs(cumulative[j] - u) < 1e-6 or (j > 0 and abs(cumulative[j - 1] - u) < 1e-6))
        out.append(j)
    return torch.tensor(out, dtype=torch.long), close


def check_electra(pretext, work):
    shards, run_dir = os.path.join(work, "electra-shards"), os.path.join(work, "electra-run")
    run([pretext, "build", "pipelines/electra.toml", "--output", shards])
    run([pretext, "train", "--shards", shards, "--model", "pipelines/models/electra-tiny.json", "--steps", str(STEPS), "--run", run_dir,
         "--log-every", "1"])
    checkpoint = newest_checkpoint(run_dir)
    batch, lengths = first_batch(pretext, shards)
    problems, models, counts = [], {}, {}
    for role, cls in (("discriminator", ElectraForPreTraining), ("generator", ElectraForMaskedLM)):
        folder = os.path.join(checkpoint, role)
        arrays, _ = read_safetensors(os.path.join(folder, "model.safetensors"))
        model, info, bad = load(cls, folder, "eager")
        problems += ["%s %s" % (role, b) for b in bad]
        state = model.state_dict()
        differ = [n for n, a in arrays.items() if n not in state or not np.array_equal(state[n].detach().numpy(), a)]
        if differ:
            problems.append("%s: tensors differ from model.safetensors after loading: %s" % (role, differ))
        models[role], counts[role] = model, len(arrays)
    for name, tensor in models["generator"].electra.embeddings.state_dict().items():
        if not torch.equal(tensor, models["discriminator"].electra.embeddings.state_dict()[name]):
            problems.append("embeddings.%s differ between the two models" % name)
    labels, mask = batch["labels"], batch["attention_mask"]
    labelled = labels != -100
    with torch.no_grad():
        generated = models["generator"](input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"], attention_mask=mask)
        mlm = F.cross_entropy(generated.logits.reshape(-1, generated.logits.shape[-1]), labels.reshape(-1), ignore_index=-100).item()
        originals = torch.where(labelled, labels, batch["input_ids"])
        corrupted = originals.clone()
        corrupted[labelled], close = electra_samples(generated.logits, labelled)
        replaced = (corrupted != originals).long()
        logits = models["discriminator"](input_ids=corrupted, token_type_ids=batch["token_type_ids"], attention_mask=mask).logits
        active = mask == 1
        rtd = F.binary_cross_entropy_with_logits(logits[active], replaced[active].double().float()).item()
    text = run([pretext, "eval", "--shards", shards, "--checkpoint", run_dir, "--batch-size", str(BATCH_SIZE), "--batches", "1"], capture=True)
    print(text.strip())
    px_mlm = float(re.search(r"generator MLM loss ([-+0-9.eE]+)", text).group(1))
    px_rtd = float(re.search(r"RTD loss ([-+0-9.eE]+)", text).group(1))
    px_replaced = int(re.search(r"\((\d+) of \d+ positions\)", text).group(1))
    if not agree(mlm, px_mlm):
        problems.append("generator MLM loss HF %.6f vs pretext %.6f" % (mlm, px_mlm))
    # Exact agreement needs the same samples: a draw near a CDF boundary may differ by rounding.
    if (close == 0 and not agree(rtd, px_rtd)) or abs(rtd - px_rtd) > 2e-3 * abs(rtd):
        problems.append("RTD loss HF %.6f vs pretext %.6f (%d draws near a boundary)" % (rtd, px_rtd, close))
    if int(replaced[active].sum()) != px_replaced:
        problems.append("HF's replay of the samples replaces %d tokens, pretext %d" % (int(replaced[active].sum()), px_replaced))
    verdict = "OK" if not problems else "FAIL"
    print("hf-checkpoint electra %s: ElectraForPreTraining loads %d tensors from discriminator/, ElectraForMaskedLM %d from generator/ "
          "(missing only the tied generator_lm_head.weight, if any; embeddings shared); batch 8 x %s, %d labels; generator MLM loss "
          "HF %.6f pretext %.6f; samples replayed from HF's softmax with Pretext's keys: %d replaced, %d draws within 1e-6 of a "
          "boundary; RTD loss HF %.6f pretext %.6f%s" % (
              verdict, counts["discriminator"], counts["generator"], "/".join(map(str, lengths)), int(labelled.sum()), mlm, px_mlm,
              int(replaced[active].sum()), close, rtd, px_rtd, "" if not problems else "; PROBLEMS: " + "; ".join(problems)), flush=True)
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pretext", default=os.path.join(ROOT, ".build/release/pretext"))
    parser.add_argument("--work", required=True, help="scratch folder for shards and runs")
    parser.add_argument("--models", default="bert,gpt,albert,electra")
    args = parser.parse_args()
    torch.set_num_threads(1)
    transformers.utils.logging.disable_progress_bar()
    ok = True
    for kind in args.models.split(","):
        check_model = check_electra if kind.strip() == "electra" else lambda p, w: check(kind.strip(), p, w)
        ok = check_model(os.path.abspath(args.pretext), os.path.abspath(args.work)) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
