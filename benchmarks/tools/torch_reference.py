"""PyTorch reference for the Swift trainer's tests: a tiny Hugging Face BertForPreTraining
(vocab 40, hidden 16, 2 layers, 2 heads, intermediate 24), one fixed batch, and the values the
Swift implementation must reproduce (losses, logits, every gradient, 10 AdamW steps).

    python torch_reference.py --make-init DIR    # config.json, init.safetensors, batch.json
    python torch_reference.py --golden DIR       # golden.safetensors (+ float32-vs-float64 table)
    python torch_reference.py --check-load DIR   # init.safetensors loads via from_pretrained

All three modes are deterministic (numpy default_rng(1234) for the weights, a literal batch,
one torch thread). Tensor files are written and read by the small safetensors codec below, so
the files do not depend on the `safetensors` package. The layout of every file is described in
Tests/PretextTrainerTests/Fixtures/README.md; regenerate with `bash benchmarks/trainer_reference.sh`.
"""
import argparse
import json
import os
import shutil
import struct
import sys
import tempfile

import numpy as np
import torch
import transformers
from transformers import BertConfig, BertForPreTraining

CONFIG = {
    "architectures": ["BertForPreTraining"],
    "model_type": "bert",
    "vocab_size": 40,
    "hidden_size": 16,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 24,
    "max_position_embeddings": 24,
    "type_vocab_size": 2,
    "hidden_act": "gelu",
    "layer_norm_eps": 1e-12,
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "initializer_range": 0.02,
    "pad_token_id": 0,
    "tie_word_embeddings": True,
}

# Batch 3 x 11. Id 1 plays [CLS], 2 [SEP], 3 [MASK] (the model gives them no special meaning);
# 0 is padding. Row 2 ends in three padding positions. Labels are -100 except at the masked
# positions (row 2 position 6 is an "unchanged" masked token: input and label are both 20).
BATCH = {
    "input_ids": [
        [1, 12, 3, 25, 7, 2, 30, 3, 19, 3, 2],
        [1, 5, 17, 22, 2, 9, 3, 38, 11, 27, 2],
        [1, 31, 3, 4, 2, 3, 20, 2, 0, 0, 0],
    ],
    "token_type_ids": [
        [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
        [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
        [0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0],
    ],
    "attention_mask": [
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    ],
    "labels": [
        [-100, -100, 14, -100, -100, -100, -100, 8, -100, 33, -100],
        [-100, -100, -100, -100, -100, -100, 16, -100, -100, -100, -100],
        [-100, -100, 13, -100, -100, 39, 20, -100, -100, -100, -100],
    ],
    "next_sentence_label": [0, 1, 0],
}

SEED = 1234
ADAMW = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-6, "weight_decay": 0.01}
ADAMW_STEPS = 10
FINAL_PARAMS = [
    "bert.embeddings.word_embeddings.weight",
    "bert.encoder.layer.0.attention.self.query.weight",
    "bert.encoder.layer.0.attention.output.LayerNorm.weight",
    "cls.predictions.bias",
]
RTOL, ATOL = 1e-4, 1e-5

# ---------------------------------------------------------------------------------------------
# safetensors codec (numpy only)

_DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8"), "I64": np.dtype("<i8"), "I32": np.dtype("<i4")}
_NAMES = {v: k for k, v in _DTYPES.items()}


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: ndarray} with tensors sorted by name, contiguous, row-major, little-endian."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        dtype = array.dtype.newbyteorder("<")
        if dtype not in _NAMES:
            raise ValueError("unsupported dtype %s for %s" % (array.dtype, name))
        blob = array.astype(dtype, copy=False).tobytes(order="C")
        header[name] = {"dtype": _NAMES[dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    """Returns ({name: ndarray}, metadata)."""
    with open(path, "rb") as f:
        raw = f.read()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + size :]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        tensors[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(info["shape"]).copy()
    return tensors, metadata


# ---------------------------------------------------------------------------------------------
# model helpers


def tied_keys(model):
    """State-dict names that alias another parameter (the MLM decoder weight and bias)."""
    return sorted(getattr(model, "_tied_weights_keys", None) or {})


def stored_names(model):
    tied = set(tied_keys(model))
    return [name for name in model.state_dict() if name not in tied]


def build_model(directory, dtype=torch.float32, attn="eager"):
    config = BertConfig.from_json_file(os.path.join(directory, "config.json"))
    config._attn_implementation = attn
    model = BertForPreTraining(config).to(dtype)
    model.eval()
    return model


def load_init(model, directory):
    """Copies init.safetensors into `model`; checks the names and that the ties still hold."""
    arrays, _ = read_safetensors(os.path.join(directory, "init.safetensors"))
    dtype = next(model.parameters()).dtype
    state = {name: torch.from_numpy(array).to(dtype) for name, array in arrays.items()}
    result = model.load_state_dict(state, strict=False)
    missing, unexpected = sorted(result.missing_keys), sorted(result.unexpected_keys)
    if missing != tied_keys(model) or unexpected:
        sys.exit("init.safetensors does not match BertForPreTraining: missing %s unexpected %s" % (missing, unexpected))
    check_ties(model)
    return arrays


def check_ties(model):
    if model.cls.predictions.decoder.weight is not model.bert.embeddings.word_embeddings.weight:
        sys.exit("decoder weight is not tied to the word embeddings")
    if model.cls.predictions.decoder.bias is not model.cls.predictions.bias:
        sys.exit("decoder bias is not tied to cls.predictions.bias")


def load_batch(directory):
    with open(os.path.join(directory, "batch.json")) as f:
        batch = json.load(f)
    return {key: torch.tensor(value, dtype=torch.long) for key, value in batch.items()}


def forward(model, batch):
    out = model(**batch)
    vocab = model.config.vocab_size
    ce = torch.nn.CrossEntropyLoss()
    mlm = ce(out.prediction_logits.reshape(-1, vocab), batch["labels"].reshape(-1))
    nsp = ce(out.seq_relationship_logits.reshape(-1, 2), batch["next_sentence_label"].reshape(-1))
    if not torch.allclose(out.loss, mlm + nsp, rtol=0, atol=0):
        sys.exit("HF loss %r != mlm + nsp %r" % (out.loss.item(), (mlm + nsp).item()))
    labelled = batch["labels"] != -100
    return {
        "loss": out.loss,
        "mlm_loss": mlm,
        "nsp_loss": nsp,
        "mlm_logits": out.prediction_logits[labelled],  # row-major (batch row, position)
        "nsp_logits": out.seq_relationship_logits,
    }


def param_groups(model):
    decay, no_decay = [], []
    for name, param in model.named_parameters():  # named_parameters() lists each tied tensor once
        (no_decay if name.endswith(".bias") or "LayerNorm" in name else decay).append(param)
    return [
        {"params": decay, "weight_decay": ADAMW["weight_decay"]},
        {"params": no_decay, "weight_decay": 0.0},
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
        loss = model(**batch).loss
        losses.append(loss.detach().reshape(1))
        loss.backward()
        optimizer.step()
    check_ties(model)
    result["adamw_losses"] = torch.cat(losses)
    params = dict(model.named_parameters())
    for name in FINAL_PARAMS:
        result["final." + name] = params[name].detach().clone()
    return result


def compare(a32, a64):
    """(max |a32 - a64|, max |a64|, max |d| / (ATOL + RTOL |a64|))."""
    d = (a32.double() - a64).abs()
    return d.max().item(), a64.abs().max().item(), (d / (ATOL + RTOL * a64.abs())).max().item()


# ---------------------------------------------------------------------------------------------
# modes


def make_init(directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    model = build_model(directory)
    shapes = {name: tuple(t.shape) for name, t in model.state_dict().items()}
    rng = np.random.default_rng(SEED)
    tensors = {}
    for name in sorted(stored_names(model)):
        noise = rng.normal(0.0, 0.02, size=shapes[name])
        if "LayerNorm.weight" in name:
            value = 1.0 + noise
        else:  # weight matrices, embeddings, and biases (zero + noise)
            value = noise
        tensors[name] = value.astype(np.float32)
    write_safetensors(os.path.join(directory, "init.safetensors"), tensors, {"format": "pt"})
    with open(os.path.join(directory, "batch.json"), "w") as f:
        f.write("{\n")
        for i, key in enumerate(BATCH):
            value = BATCH[key]
            if isinstance(value[0], list):
                rows = ",\n".join("    " + json.dumps(row) for row in value)
                text = "[\n%s\n  ]" % rows
            else:
                text = json.dumps(value)
            f.write('  "%s": %s%s\n' % (key, text, "," if i + 1 < len(BATCH) else ""))
        f.write("}\n")
    print("make-init: %d tensors, %d parameters -> %s" % (len(tensors), sum(t.size for t in tensors.values()), directory))


def golden(directory):
    g32 = run_golden(directory, torch.float32)
    g64 = run_golden(directory, torch.float64)
    rows = []
    groups = [
        ("loss, mlm_loss, nsp_loss", ["loss", "mlm_loss", "nsp_loss"]),
        ("mlm_logits", ["mlm_logits"]),
        ("nsp_logits", ["nsp_logits"]),
        ("grad.* (all)", [k for k in g32 if k.startswith("grad.")]),
        ("adamw_losses", ["adamw_losses"]),
        ("final.*", [k for k in g32 if k.startswith("final.")]),
    ]
    metadata = {"format": "pt", "generator": "benchmarks/tools/torch_reference.py",
                "torch": torch.__version__, "rtol": str(RTOL), "atol": str(ATOL)}
    print("float32 vs float64 (same init, same batch); ratio = max |d| / (%g + %g |f64|), <= 1 passes" % (ATOL, RTOL))
    for label, keys in groups:
        stats = [compare(g32[k], g64[k]) for k in keys]
        worst = max(range(len(keys)), key=lambda i: stats[i][2])
        max_abs = max(s[0] for s in stats)
        max_ref = max(s[1] for s in stats)
        line = "  %-26s max|d| %.3e  max|f64| %.3e  ratio %.3f (worst %s)" % (label, max_abs, max_ref, stats[worst][2], keys[worst])
        print(line)
        rows.append({"group": label, "max_abs_diff": max_abs, "max_abs_f64": max_ref, "ratio": stats[worst][2], "worst": keys[worst]})
    for k in sorted(g32):
        if k.startswith("grad."):
            a, r, q = compare(g32[k], g64[k])
            print("    %-62s max|d| %.2e  max|f64| %.2e  ratio %.3f  max|d|/max|f64| %.1e" % (k, a, r, q, a / r))
    metadata["f32_vs_f64"] = json.dumps(rows, separators=(",", ":"))
    sdpa = run_golden(directory, torch.float32, attn="sdpa")
    print("  eager vs sdpa attention (float32): loss |d| %.3e, grads max|d| %.3e" % (
        (sdpa["loss"] - g32["loss"]).abs().max().item(),
        max((sdpa[k] - g32[k]).abs().max().item() for k in g32 if k.startswith("grad."))))
    tensors = {k: v.to(torch.float32).numpy() for k, v in g32.items()}
    write_safetensors(os.path.join(directory, "golden.safetensors"), tensors, metadata)
    print("golden: loss %.7f mlm %.7f nsp %.7f; adamw loss %.7f -> %.7f; %d tensors -> %s" % (
        g32["loss"].item(), g32["mlm_loss"].item(), g32["nsp_loss"].item(),
        g32["adamw_losses"][0].item(), g32["adamw_losses"][-1].item(), len(tensors), directory))


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
            model, info = BertForPreTraining.from_pretrained(tmp, output_loading_info=True, attn_implementation=attn)
            model.eval()
            allowed = set(tied_keys(model))
            reported.update(info.get("missing_keys", []))
            for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
                bad = [k for k in info.get(kind, []) if not (kind == "missing_keys" and k in allowed)]
                if bad:
                    problems.append("%s %s: %s" % (attn, kind, bad))
            if model.cls.predictions.decoder.weight is not model.bert.embeddings.word_embeddings.weight \
                    or model.cls.predictions.decoder.bias is not model.cls.predictions.bias:
                problems.append("%s: decoder not tied after from_pretrained" % attn)
            state = model.state_dict()
            for name, array in arrays.items():
                if not np.array_equal(state[name].numpy(), array):
                    problems.append("%s: %s differs from init.safetensors" % (attn, name))
            if sorted(set(state) - set(arrays)) != sorted(allowed):
                problems.append("%s: state dict names beyond the file: %s" % (attn, sorted(set(state) - set(arrays))))
            with torch.no_grad():
                results[attn] = model(**batch).loss.item()
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


def run_modes(description, make_init, golden, check_load):
    """The command line shared by the reference scripts: one of --make-init, --golden or
    --check-load DIR, run on one torch thread with a fixed torch seed."""
    parser = argparse.ArgumentParser(description=description)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--make-init", metavar="DIR")
    mode.add_argument("--golden", metavar="DIR")
    mode.add_argument("--check-load", metavar="DIR")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    if args.make_init:
        make_init(args.make_init)
    elif args.golden:
        golden(args.golden)
    else:
        check_load(args.check_load)


if __name__ == "__main__":
    run_modes(__doc__.split("\n")[0], make_init, golden, check_load)
