"""PyTorch reference for the Swift GPT model's tests: a tiny Hugging Face GPT2LMHeadModel
(vocab 40, n_embd 16, 2 layers, 2 heads, n_inner 24, n_positions 16, gelu_new), one fixed batch,
and the values the Swift implementation must reproduce (loss, logits, every gradient, 10 AdamW
steps). The GPT-2 counterpart of torch_reference.py, whose safetensors codec it reuses.

    python gpt_reference.py --make-init DIR    # config.json, init.safetensors, batch.json
    python gpt_reference.py --golden DIR       # golden.safetensors (+ float32-vs-float64 table)
    python gpt_reference.py --check-load DIR   # init.safetensors loads via from_pretrained

Labels follow Pretext, not Hugging Face: they are already shifted (labels[t] is the token at
t + 1, -100 where there is none), so the loss is computed here from `model(input_ids).logits`
as the mean cross-entropy of logits[t] against labels[t] over the positions with a label. (HF's
own `labels=` argument shifts internally; --golden checks that both agree.)

All modes are deterministic (numpy default_rng(1234) for the weights, a literal batch, one torch
thread). The layout of every file is described in Tests/PretextTrainerTests/Fixtures/README.md;
regenerate with `bash benchmarks/gpt_reference.sh`.
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
import transformers
from transformers import GPT2Config, GPT2LMHeadModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import compare, read_safetensors, run_modes, tied_keys, write_safetensors, ATOL, RTOL  # noqa: E402

CONFIG = {
    "architectures": ["GPT2LMHeadModel"],
    "model_type": "gpt2",
    "vocab_size": 40,
    "n_embd": 16,
    "n_layer": 2,
    "n_head": 2,
    "n_inner": 24,
    "n_positions": 16,
    "activation_function": "gelu_new",
    "layer_norm_epsilon": 1e-5,
    "resid_pdrop": 0.0,
    "embd_pdrop": 0.0,
    "attn_pdrop": 0.0,
    "initializer_range": 0.02,
    "tie_word_embeddings": True,
}

# Batch 2 x 9, no padding. labels[t] = input_ids[t + 1]; the last position has no next token
# (-100), and row 1 position 3 is unlabelled as well (-100), so 15 positions carry a label.
# Token 12 (row 0) and 17 (row 1) occur twice, so embedding rows accumulate two gradients.
BATCH = {
    "input_ids": [
        [1, 12, 25, 7, 30, 12, 5, 33, 8],
        [2, 17, 22, 9, 38, 11, 27, 17, 4],
    ],
    "attention_mask": [
        [1, 1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1, 1],
    ],
    "labels": [
        [12, 25, 7, 30, 12, 5, 33, 8, -100],
        [17, 22, 9, -100, 11, 27, 17, 4, -100],
    ],
}

SEED = 1234
ADAMW = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-6, "weight_decay": 0.01}
ADAMW_STEPS = 10
FINAL_PARAMS = [
    "transformer.wte.weight",
    "transformer.h.0.attn.c_attn.weight",
    "transformer.h.0.ln_1.weight",
]


def no_decay(name):
    """AdamW group: biases and the LayerNorm tensors (ln_1, ln_2, ln_f) do not decay."""
    return name.endswith(".bias") or ".ln_" in name


# ---------------------------------------------------------------------------------------------
# model helpers


def stored_names(model):
    tied = set(tied_keys(model))
    return [name for name in model.state_dict() if name not in tied]


def build_model(directory, dtype=torch.float32, attn="eager"):
    # HF warns that its default bos/eos ids (50256) lie outside this vocabulary; they are unused here.
    verbosity = transformers.utils.logging.get_verbosity()
    transformers.utils.logging.set_verbosity_error()
    config = GPT2Config.from_json_file(os.path.join(directory, "config.json"))
    config.bos_token_id = config.eos_token_id = None
    transformers.utils.logging.set_verbosity(verbosity)
    config._attn_implementation = attn
    model = GPT2LMHeadModel(config).to(dtype)
    model.loss_type = "ForCausalLM"  # HF's default for `labels=`, named to skip a warning
    model.eval()
    return model


def check_ties(model):
    if model.lm_head.weight is not model.transformer.wte.weight:
        sys.exit("lm_head.weight is not tied to transformer.wte.weight")


def load_init(model, directory):
    """Copies init.safetensors into `model`; checks the names and that the tie still holds."""
    arrays, _ = read_safetensors(os.path.join(directory, "init.safetensors"))
    dtype = next(model.parameters()).dtype
    state = {name: torch.from_numpy(array).to(dtype) for name, array in arrays.items()}
    result = model.load_state_dict(state, strict=False)
    missing, unexpected = sorted(result.missing_keys), sorted(result.unexpected_keys)
    if missing != tied_keys(model) or unexpected:
        sys.exit("init.safetensors does not match GPT2LMHeadModel: missing %s unexpected %s" % (missing, unexpected))
    check_ties(model)
    return arrays


def load_batch(directory):
    with open(os.path.join(directory, "batch.json")) as f:
        batch = json.load(f)
    return {key: torch.tensor(value, dtype=torch.long) for key, value in batch.items()}


def lm_loss(model, batch):
    """Pretext's causal-LM loss: labels are already shifted, so logits[t] is scored against labels[t]."""
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    vocab = model.config.vocab_size
    loss = F.cross_entropy(logits.reshape(-1, vocab), batch["labels"].reshape(-1), ignore_index=-100)
    return loss, logits


def hf_shifted_labels(batch):
    """The same targets in HF's convention (HF drops logits[:, -1] and labels[:, 0])."""
    labels = batch["labels"]
    if not bool((labels[:, -1] == -100).all()):
        sys.exit("the last position of every row must be unlabelled")
    return torch.cat([torch.full_like(labels[:, :1], -100), labels[:, :-1]], dim=1)


def forward(model, batch):
    loss, logits = lm_loss(model, batch)
    hf = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=hf_shifted_labels(batch)).loss
    if abs(hf.item() - loss.item()) > 1e-6 * abs(loss.item()):  # HF's loss upcasts to float32 only
        sys.exit("HF loss with labels= %r != Pretext-convention loss %r" % (hf.item(), loss.item()))
    labelled = batch["labels"] != -100
    return {"loss": loss, "logits": logits[labelled]}  # row-major (batch row, position)


def param_groups(model):
    decay, keep = [], []
    for name, param in model.named_parameters():  # named_parameters() lists the tied wte once
        (keep if no_decay(name) else decay).append(param)
    return [
        {"params": decay, "weight_decay": ADAMW["weight_decay"]},
        {"params": keep, "weight_decay": 0.0},
    ]


def run_golden(directory, dtype, attn="eager"):
    """Forward + backward once, then ADAMW_STEPS AdamW steps from the initial weights."""
    batch = load_batch(directory)
    model = build_model(directory, dtype, attn)
    load_init(model, directory)
    names = stored_names(model)
    params = dict(model.named_parameters())
    model.zero_grad(set_to_none=True)
    outputs = forward(model, batch)
    outputs["loss"].backward()
    result = {key: value.detach().reshape(-1) if value.dim() == 0 else value.detach() for key, value in outputs.items()}
    for name in names:
        result["grad." + name] = params[name].grad.detach().clone()

    model = build_model(directory, dtype, attn)
    load_init(model, directory)
    optimizer = torch.optim.AdamW(param_groups(model), lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"],
                                  foreach=False)
    losses = []
    for _ in range(ADAMW_STEPS):
        optimizer.zero_grad(set_to_none=True)
        loss, _ = lm_loss(model, batch)
        losses.append(loss.detach().reshape(1))
        loss.backward()
        optimizer.step()
    check_ties(model)
    result["adamw_losses"] = torch.cat(losses)
    params = dict(model.named_parameters())
    for name in FINAL_PARAMS:
        result["final." + name] = params[name].detach().clone()
    return result


# ---------------------------------------------------------------------------------------------
# modes


def make_init(directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    model = build_model(directory)
    state = model.state_dict()
    shapes = {name: tuple(t.shape) for name, t in state.items()}
    buffers = sorted(name for name, _ in model.named_buffers())
    rng = np.random.default_rng(SEED)
    tensors = {}
    for name in sorted(stored_names(model)):
        noise = rng.normal(0.0, 0.02, size=shapes[name])
        if ".ln_" in name and name.endswith(".weight"):
            value = 1.0 + noise
        else:  # Conv1D weights [in, out], embeddings, and biases (zero + noise)
            value = noise
        tensors[name] = value.astype(np.float32)
    write_safetensors(os.path.join(directory, "init.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(directory, "batch.json"), "w") as f:
        f.write("{\n")
        for i, key in enumerate(BATCH):
            rows = ",\n".join("    " + json.dumps(row) for row in BATCH[key])
            f.write('  "%s": [\n%s\n  ]%s\n' % (key, rows, "," if i + 1 < len(BATCH) else ""))
        f.write("}\n")
    print("make-init: %d tensors, %d parameters -> %s (HF state_dict: %d names, tied %s, buffers %s)" % (
        len(tensors), sum(t.size for t in tensors.values()), directory, len(state), tied_keys(model), buffers or "none"))


def golden(directory):
    g32 = run_golden(directory, torch.float32)
    g64 = run_golden(directory, torch.float64)
    rows = []
    groups = [
        ("loss", ["loss"]),
        ("logits", ["logits"]),
        ("grad.* (all)", [k for k in g32 if k.startswith("grad.")]),
        ("adamw_losses", ["adamw_losses"]),
        ("final.*", [k for k in g32 if k.startswith("final.")]),
    ]
    metadata = {"format": "pt", "generator": "benchmarks/tools/gpt_reference.py",
                "torch": torch.__version__, "rtol": str(RTOL), "atol": str(ATOL)}
    print("float32 vs float64 (same init, same batch); ratio = max |d| / (%g + %g |f64|), <= 1 passes" % (ATOL, RTOL))
    for label, keys in groups:
        stats = [compare(g32[k], g64[k]) for k in keys]
        worst = max(range(len(keys)), key=lambda i: stats[i][2])
        max_abs = max(s[0] for s in stats)
        max_ref = max(s[1] for s in stats)
        print("  %-26s max|d| %.3e  max|f64| %.3e  ratio %.3f (worst %s)" % (label, max_abs, max_ref, stats[worst][2], keys[worst]))
        rows.append({"group": label, "max_abs_diff": max_abs, "max_abs_f64": max_ref, "ratio": stats[worst][2], "worst": keys[worst]})
    for k in sorted(g32):
        if k.startswith("grad."):
            a, r, q = compare(g32[k], g64[k])
            print("    %-44s max|d| %.2e  max|f64| %.2e  ratio %.3f  max|d|/max|f64| %.1e" % (k, a, r, q, a / r))
    h = CONFIG["n_embd"]
    for layer in range(CONFIG["n_layer"]):
        name = "grad.transformer.h.%d.attn.c_attn.bias" % layer
        print("    %s key part [%d, %d): max |g| f32 %.2e f64 %.2e (analytically 0)" % (
            name, h, 2 * h, g32[name][h:2 * h].abs().max().item(), g64[name][h:2 * h].abs().max().item()))
    metadata["f32_vs_f64"] = json.dumps(rows, separators=(",", ":"))
    sdpa = run_golden(directory, torch.float32, attn="sdpa")
    print("  eager vs sdpa attention (float32): loss |d| %.3e, grads max|d| %.3e" % (
        (sdpa["loss"] - g32["loss"]).abs().max().item(),
        max((sdpa[k] - g32[k]).abs().max().item() for k in g32 if k.startswith("grad."))))
    tensors = {k: v.to(torch.float32).numpy() for k, v in g32.items()}
    write_safetensors(os.path.join(directory, "golden.safetensors"), tensors, metadata)
    print("golden: loss %.7f over %d positions; adamw loss %.7f -> %.7f; %d tensors -> %s" % (
        g32["loss"].item(), g32["logits"].shape[0], g32["adamw_losses"][0].item(), g32["adamw_losses"][-1].item(),
        len(tensors), directory))


def check_load(directory):
    batch = load_batch(directory)
    arrays, _ = read_safetensors(os.path.join(directory, "init.safetensors"))
    golden_arrays, _ = read_safetensors(os.path.join(directory, "golden.safetensors"))
    expected = float(golden_arrays["loss"][0])
    problems = []
    reported = set()
    transformers.utils.logging.disable_progress_bar()
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(os.path.join(directory, "config.json"), os.path.join(tmp, "config.json"))
        shutil.copy(os.path.join(directory, "init.safetensors"), os.path.join(tmp, "model.safetensors"))
        results = {}
        for attn in ("eager", "sdpa"):
            model, info = GPT2LMHeadModel.from_pretrained(tmp, output_loading_info=True, attn_implementation=attn)
            model.eval()
            allowed = set(tied_keys(model))
            reported.update(info.get("missing_keys", []))
            for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
                bad = [k for k in info.get(kind, []) if not (kind == "missing_keys" and k in allowed)]
                if bad:
                    problems.append("%s %s: %s" % (attn, kind, bad))
            if model.lm_head.weight is not model.transformer.wte.weight:
                problems.append("%s: lm_head not tied after from_pretrained" % attn)
            state = model.state_dict()
            for name, array in arrays.items():
                if not np.array_equal(state[name].detach().numpy(), array):
                    problems.append("%s: %s differs after loading" % (attn, name))
            with torch.no_grad():
                results[attn] = lm_loss(model, batch)[0].item()
    if abs(results["eager"] - expected) > 0:
        problems.append("eager loss %.9g != golden %.9g" % (results["eager"], expected))
    if abs(results["sdpa"] - expected) > 1e-6 * abs(expected):
        problems.append("sdpa loss %.9g != golden %.9g" % (results["sdpa"], expected))
    verdict = "OK" if not problems else "FAIL"
    print("check-load %s: from_pretrained loads all %d tensors of init.safetensors, reports missing %s, ties %s; "
          "loss eager %.9g sdpa %.9g golden %.9g%s" % (
        verdict, len(arrays), sorted(reported) or "none", " and ".join(tied_keys(model)),
        results["eager"], results["sdpa"], expected,
        "" if not problems else "; " + "; ".join(problems)))
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    run_modes(__doc__.split("\n")[0], make_init, golden, check_load)
