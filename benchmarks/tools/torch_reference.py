"""PyTorch reference for the Swift trainer's tests: a tiny Hugging Face model, one fixed batch,
and the values the Swift implementation must reproduce (losses, logits, every gradient, 10
AdamW steps). One harness; the model is chosen by a small adapter:

    bert    BertForPreTraining (MLM + NSP)        Fixtures/bert-tiny/    (BertReference below)
    albert  AlbertForPreTraining (MLM + SOP)      Fixtures/albert-tiny/  (AlbertReference below)
    gpt     GPT2LMHeadModel (causal LM)           Fixtures/gpt-tiny/     (gpt_reference.py)
    electra ElectraForMaskedLM + ElectraForPreTraining, shared embeddings
                                                  Fixtures/electra-tiny/ (electra_reference.py)

    python torch_reference.py [--model M] --make-init DIR    # config.json, init.safetensors, batch.json
    python torch_reference.py [--model M] --golden DIR       # golden.safetensors (+ float32-vs-float64 table)
    python torch_reference.py [--model M] --check-load DIR   # init.safetensors loads via from_pretrained

All three modes are deterministic (numpy default_rng(1234) for the weights, a literal batch,
one torch thread). Tensor files are written and read by the small safetensors codec below, so
the files do not depend on the `safetensors` package. The layout of every file is described in
Tests/PretextTrainerTests/Fixtures/README.md; regenerate with
`bash benchmarks/trainer_reference.sh` (MODEL=bert|gpt|albert).
"""
import argparse
import importlib
import inspect
import json
import os
import shutil
import struct
import sys
import tempfile

import numpy as np
import torch
import transformers
from transformers import AlbertConfig, AlbertForPreTraining, BertConfig, BertForPreTraining

SEED = 1234
ADAMW = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-6, "weight_decay": 0.01}
ADAMW_STEPS = 10
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
# adapters: what differs between the models


class BertReference:
    """HF BertForPreTraining: MLM + NSP, loss = mean MLM CE + mean NSP CE (HF's own loss).
    The base of every adapter; a subclass overrides the class attributes and, where its loss is
    not HF's, `forward` and `loss`."""

    model_class = BertForPreTraining
    config_class = BertConfig
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
    FINAL_PARAMS = [
        "bert.embeddings.word_embeddings.weight",
        "bert.encoder.layer.0.attention.self.query.weight",
        "bert.encoder.layer.0.attention.output.LayerNorm.weight",
        "cls.predictions.bias",
    ]
    # The sentence-pair head: the batch key of its labels, HF's output field, the golden's name.
    pair_label, pair_output, pair_name = "next_sentence_label", "seq_relationship_logits", "nsp"

    def no_decay(self, name):
        """AdamW group, Pretext's rule (ParameterTable.add): biases and LayerNorm tensors, which
        ALBERT also names `full_layer_layer_norm`, do not decay."""
        return name.endswith(".bias") or "LayerNorm" in name or "layer_norm" in name

    def is_norm_weight(self, name):
        """Initialised as 1 + noise (everything else is 0 + noise)."""
        return name.endswith(("LayerNorm.weight", "layer_norm.weight"))

    def read_config(self, directory):
        """The HF config of the model to build, from config.json."""
        return self.config_class.from_json_file(os.path.join(directory, "config.json"))

    def prepare(self, model):
        """Adjusts a freshly built (or loaded) model."""

    def loss(self, model, batch):
        return model(**batch).loss

    def forward(self, model, batch):
        """The golden outputs: losses and logits (at the labelled positions only)."""
        out = model(**batch)
        vocab = model.config.vocab_size
        ce = torch.nn.CrossEntropyLoss()
        mlm = ce(out.prediction_logits.reshape(-1, vocab), batch["labels"].reshape(-1))
        pair_logits = getattr(out, self.pair_output)
        pair = ce(pair_logits.reshape(-1, 2), batch[self.pair_label].reshape(-1))
        if not torch.allclose(out.loss, mlm + pair, rtol=0, atol=0):
            sys.exit("HF loss %r != mlm + %s %r" % (out.loss.item(), self.pair_name, (mlm + pair).item()))
        labelled = batch["labels"] != -100
        return {
            "loss": out.loss,
            "mlm_loss": mlm,
            self.pair_name + "_loss": pair,
            "mlm_logits": out.prediction_logits[labelled],  # row-major (batch row, position)
            self.pair_name + "_logits": pair_logits,
        }

    def zero_gradients(self, grads):
        """(label, values) of gradients that are analytically 0 (a key bias shifts all of a
        query's scores by one constant, which the softmax ignores)."""
        return [(k, v) for k, v in grads.items() if k.endswith("key.bias")]


class AlbertReference(BertReference):
    """HF AlbertForPreTraining: factorized embeddings (E = 8 -> H = 16), one layer shared by
    both layers (Pretext's sharing "all"), MLM + SOP, loss = mean MLM CE + mean SOP CE."""

    model_class = AlbertForPreTraining
    config_class = AlbertConfig
    CONFIG = {
        "architectures": ["AlbertForPreTraining"],
        "model_type": "albert",
        "vocab_size": 40,
        "embedding_size": 8,
        "hidden_size": 16,
        "num_hidden_layers": 2,
        "num_hidden_groups": 1,
        "inner_group_num": 1,
        "pretext_sharing": "all",
        "num_attention_heads": 2,
        "intermediate_size": 24,
        "max_position_embeddings": 24,
        "type_vocab_size": 2,
        "hidden_act": "gelu_new",
        "layer_norm_eps": 1e-12,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "classifier_dropout_prob": 0.0,
        "initializer_range": 0.02,
        "pad_token_id": 0,
        "tie_word_embeddings": True,
    }
    # Batch 3 x 12. Id 1 plays [CLS], 2 [SEP], 3 [MASK]; 0 is padding. Row 1 ends in four padding
    # positions. Labels are -100 except at 9 positions; row 0 position 9 keeps its own token
    # (input and label are both 26), and token 9 occurs three times in row 2.
    BATCH = {
        "input_ids": [
            [1, 14, 3, 22, 2, 35, 6, 3, 17, 26, 3, 2],
            [1, 8, 3, 29, 2, 11, 3, 2, 0, 0, 0, 0],
            [1, 9, 23, 9, 3, 2, 9, 37, 3, 15, 3, 2],
        ],
        "token_type_ids": [
            [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1],
            [0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
        ],
        "attention_mask": [
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
            [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        ],
        "labels": [
            [-100, -100, 31, -100, -100, -100, -100, 12, -100, 26, 5, -100],
            [-100, -100, 19, -100, -100, -100, 39, -100, -100, -100, -100, -100],
            [-100, -100, -100, -100, 21, -100, -100, -100, 9, -100, 33, -100],
        ],
        "sentence_order_label": [1, 0, 1],
    }
    FINAL_PARAMS = [
        "albert.embeddings.word_embeddings.weight",
        "albert.encoder.embedding_hidden_mapping_in.weight",
        "albert.encoder.albert_layer_groups.0.albert_layers.0.attention.query.weight",
        "albert.encoder.albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.weight",
        "predictions.bias",
    ]
    pair_label, pair_output, pair_name = "sentence_order_label", "sop_logits", "sop"


ADAPTERS = {"bert": BertReference, "albert": AlbertReference, "gpt": "gpt_reference.GPTReference",
            "electra": "electra_reference.ElectraReference"}


def adapter_for(model):
    cls = ADAPTERS[model]
    if isinstance(cls, str):  # defined in another file, which imports this one
        module, name = cls.rsplit(".", 1)
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        cls = getattr(importlib.import_module(module), name)
    return cls()


def generator(adapter):
    """The file that defines `adapter` (recorded in golden.safetensors)."""
    return "benchmarks/tools/" + os.path.basename(inspect.getfile(type(adapter)))


# ---------------------------------------------------------------------------------------------
# model helpers


def tied_keys(model):
    """State-dict names that alias another parameter (the output layer's weight and bias)."""
    return sorted(getattr(model, "_tied_weights_keys", None) or {})


def stored_names(model):
    tied = set(tied_keys(model))
    return [name for name in model.state_dict() if name not in tied]


def untied(model):
    """The tied names whose tensor is not (any longer) the one it is tied to."""
    ties = getattr(model, "_tied_weights_keys", None) or {}
    return ["%s -> %s" % (a, b) for a, b in sorted(ties.items()) if model.get_parameter(a) is not model.get_parameter(b)]


def check_ties(model):
    broken = untied(model)
    if broken:
        sys.exit("not tied: %s" % ", ".join(broken))


def build_model(adapter, directory, dtype=torch.float32, attn="eager"):
    config = adapter.read_config(directory)
    config._attn_implementation = attn
    model = adapter.model_class(config).to(dtype)
    adapter.prepare(model)
    model.eval()
    return model


def load_init(adapter, model, directory):
    """Copies init.safetensors into `model`; checks the names and that the ties still hold."""
    arrays, _ = read_safetensors(os.path.join(directory, "init.safetensors"))
    dtype = next(model.parameters()).dtype
    state = {name: torch.from_numpy(array).to(dtype) for name, array in arrays.items()}
    result = model.load_state_dict(state, strict=False)
    missing, unexpected = sorted(result.missing_keys), sorted(result.unexpected_keys)
    if missing != tied_keys(model) or unexpected:
        sys.exit("init.safetensors does not match %s: missing %s unexpected %s" % (
            adapter.model_class.__name__, missing, unexpected))
    check_ties(model)
    return arrays


def load_batch(directory):
    with open(os.path.join(directory, "batch.json")) as f:
        batch = json.load(f)
    return {key: torch.tensor(value, dtype=torch.long) for key, value in batch.items()}


def param_groups(adapter, model):
    decay, keep = [], []
    for name, param in model.named_parameters():  # named_parameters() lists each tied tensor once
        (keep if adapter.no_decay(name) else decay).append(param)
    return [
        {"params": decay, "weight_decay": ADAMW["weight_decay"]},
        {"params": keep, "weight_decay": 0.0},
    ]


def run_golden(adapter, directory, dtype, attn="eager"):
    """Forward + backward once, then ADAMW_STEPS AdamW steps from the initial weights."""
    batch = load_batch(directory)
    model = build_model(adapter, directory, dtype, attn)
    load_init(adapter, model, directory)
    names = stored_names(model)
    params = dict(model.named_parameters())
    model.zero_grad(set_to_none=True)
    outputs = adapter.forward(model, batch)
    outputs["loss"].backward()
    result = {key: value.detach().reshape(-1) if value.dim() == 0 else value.detach() for key, value in outputs.items()}
    for name in names:
        result["grad." + name] = params[name].grad.detach().clone()

    model = build_model(adapter, directory, dtype, attn)
    load_init(adapter, model, directory)
    result.update(adamw_steps(adapter, model, batch))
    return result


def adamw_steps(adapter, model, batch):
    """ADAMW_STEPS AdamW steps of `model` on `batch`: {"adamw_losses", "final.<name>"...}."""
    optimizer = torch.optim.AdamW(param_groups(adapter, model), lr=ADAMW["lr"], betas=ADAMW["betas"], eps=ADAMW["eps"],
                                  foreach=False)
    losses = []
    for _ in range(ADAMW_STEPS):
        optimizer.zero_grad(set_to_none=True)
        loss = adapter.loss(model, batch)
        losses.append(loss.detach().reshape(1))
        loss.backward()
        optimizer.step()
    check_ties(model)
    result = {"adamw_losses": torch.cat(losses)}
    params = dict(model.named_parameters())
    for name in adapter.FINAL_PARAMS:
        result["final." + name] = params[name].detach().clone()
    return result


def compare(a32, a64):
    """(max |a32 - a64|, max |a64|, max |d| / (ATOL + RTOL |a64|))."""
    d = (a32.double() - a64).abs()
    return d.max().item(), a64.abs().max().item(), (d / (ATOL + RTOL * a64.abs())).max().item()


def write_batch(path, batch):
    """batch.json: one line per row of a 2-D entry."""
    with open(path, "w") as f:
        f.write("{\n")
        for i, key in enumerate(batch):
            value = batch[key]
            if isinstance(value[0], list):
                rows = ",\n".join("    " + json.dumps(row) for row in value)
                text = "[\n%s\n  ]" % rows
            else:
                text = json.dumps(value)
            f.write('  "%s": %s%s\n' % (key, text, "," if i + 1 < len(batch) else ""))
        f.write("}\n")


# ---------------------------------------------------------------------------------------------
# modes


def make_init(adapter, directory):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(adapter.CONFIG, f, indent=2)
        f.write("\n")
    model = build_model(adapter, directory)
    state = model.state_dict()
    shapes = {name: tuple(t.shape) for name, t in state.items()}
    buffers = sorted(name for name, _ in model.named_buffers())
    rng = np.random.default_rng(SEED)
    tensors = {}
    for name in sorted(stored_names(model)):
        noise = rng.normal(0.0, 0.02, size=shapes[name])
        # Norm weights 1 + noise; weight matrices, embeddings and biases (zero + noise) as drawn.
        value = 1.0 + noise if adapter.is_norm_weight(name) else noise
        tensors[name] = value.astype(np.float32)
    write_safetensors(os.path.join(directory, "init.safetensors"), tensors, {"format": "pt"})
    write_batch(os.path.join(directory, "batch.json"), adapter.BATCH)
    decaying = sum(not adapter.no_decay(name) for name in tensors)
    print("make-init: %d tensors (%d decay, %d no decay), %d parameters -> %s (HF state_dict: %d names, tied %s, "
          "buffers %s)" % (len(tensors), decaying, len(tensors) - decaying, sum(t.size for t in tensors.values()), directory,
                           len(state), tied_keys(model), buffers or "none"))


def golden(adapter, directory):
    g32 = run_golden(adapter, directory, torch.float32)
    g64 = run_golden(adapter, directory, torch.float64)
    grads = [k for k in g32 if k.startswith("grad.")]
    outputs = [k for k in g32 if not k.startswith(("grad.", "final.")) and k != "adamw_losses"]  # forward's order
    scalars = [k for k in outputs if g32[k].numel() == 1]
    groups = [(", ".join(scalars), scalars)] + [(k, [k]) for k in outputs if k not in scalars] + [
        ("grad.* (all)", grads),
        ("adamw_losses", ["adamw_losses"]),
        ("final.*", [k for k in g32 if k.startswith("final.")]),
    ]
    metadata = {"format": "pt", "generator": generator(adapter),
                "torch": torch.__version__, "rtol": str(RTOL), "atol": str(ATOL)}
    rows = []
    print("float32 vs float64 (same init, same batch); ratio = max |d| / (%g + %g |f64|), <= 1 passes" % (ATOL, RTOL))
    for label, keys in groups:
        stats = [compare(g32[k], g64[k]) for k in keys]
        worst = max(range(len(keys)), key=lambda i: stats[i][2])
        max_abs = max(s[0] for s in stats)
        max_ref = max(s[1] for s in stats)
        print("  %-26s max|d| %.3e  max|f64| %.3e  ratio %.3f (worst %s)" % (label, max_abs, max_ref, stats[worst][2], keys[worst]))
        rows.append({"group": label, "max_abs_diff": max_abs, "max_abs_f64": max_ref, "ratio": stats[worst][2], "worst": keys[worst]})
    width = max(len(k) for k in grads)
    for k in sorted(grads):
        a, r, q = compare(g32[k], g64[k])
        print("    %-*s max|d| %.2e  max|f64| %.2e  ratio %.3f  max|d|/max|f64| %.1e" % (width, k, a, r, q, a / r))
    zeros64 = dict(adapter.zero_gradients(g64))
    for label, values in adapter.zero_gradients(g32):
        print("    %s: max |g| f32 %.2e f64 %.2e (analytically 0)" % (
            label, values.abs().max().item(), zeros64[label].abs().max().item()))
    metadata["f32_vs_f64"] = json.dumps(rows, separators=(",", ":"))
    sdpa = run_golden(adapter, directory, torch.float32, attn="sdpa")
    print("  eager vs sdpa attention (float32): loss |d| %.3e, grads max|d| %.3e" % (
        (sdpa["loss"] - g32["loss"]).abs().max().item(), max((sdpa[k] - g32[k]).abs().max().item() for k in grads)))
    tensors = {k: v.to(torch.float32).numpy() for k, v in g32.items()}
    write_safetensors(os.path.join(directory, "golden.safetensors"), tensors, metadata)
    print("golden: %s; adamw loss %.7f -> %.7f; %d tensors -> %s" % (
        " ".join("%s %.7f" % (k, g32[k].item()) for k in scalars),
        g32["adamw_losses"][0].item(), g32["adamw_losses"][-1].item(), len(tensors), directory))


def golden_train(adapter, directory):
    """golden-train.safetensors: ADAMW_STEPS AdamW steps with the model in train mode, its
    dropout left to config.json (the fixture's config, which the Swift tests check equals what
    Pretext exports, field for field where HF reads a dropout rate). Every rate there is 0, so
    the steps must equal the eval-mode ones of golden.safetensors: a rate HF took from its own
    defaults would show here. Writes adamw_losses and final.* like --golden."""
    batch = load_batch(directory)
    model = build_model(adapter, directory, torch.float32)
    load_init(adapter, model, directory)
    model.train()
    torch.manual_seed(0)
    result = adamw_steps(adapter, model, batch)
    tensors = {k: v.to(torch.float32).numpy() for k, v in result.items()}
    eval_mode, _ = read_safetensors(os.path.join(directory, "golden.safetensors"))
    worst = max(float(np.abs(tensors[k] - eval_mode[k]).max()) for k in tensors)
    write_safetensors(os.path.join(directory, "golden-train.safetensors"), tensors,
                      {"format": "pt", "generator": generator(adapter), "torch": torch.__version__, "mode": "train"})
    print("golden-train: adamw loss %.7f -> %.7f in train mode; max |train - eval| over losses and finals %.3e -> %s" % (
        tensors["adamw_losses"][0], tensors["adamw_losses"][-1], worst, directory))


def check_load(adapter, directory):
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
            model, info = adapter.model_class.from_pretrained(tmp, output_loading_info=True, attn_implementation=attn)
            adapter.prepare(model)
            model.eval()
            allowed = set(tied_keys(model))
            reported.update(info.get("missing_keys", []))
            for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
                bad = [k for k in info.get(kind, []) if not (kind == "missing_keys" and k in allowed)]
                if bad:
                    problems.append("%s %s: %s" % (attn, kind, bad))
            broken = untied(model)
            if broken:
                problems.append("%s: not tied after from_pretrained: %s" % (attn, ", ".join(broken)))
            state = model.state_dict()
            for name, array in arrays.items():
                if not np.array_equal(state[name].detach().numpy(), array):
                    problems.append("%s: %s differs from init.safetensors" % (attn, name))
            if sorted(set(state) - set(arrays)) != sorted(allowed):
                problems.append("%s: state dict names beyond the file: %s" % (attn, sorted(set(state) - set(arrays))))
            with torch.no_grad():
                results[attn] = adapter.loss(model, batch).item()
    if abs(results["eager"] - expected) > 0:
        problems.append("eager loss %.9g != golden %.9g" % (results["eager"], expected))
    if abs(results["sdpa"] - expected) > 1e-6 * abs(expected):
        problems.append("sdpa loss %.9g != golden %.9g" % (results["sdpa"], expected))
    verdict = "OK" if not problems else "FAIL"
    print("check-load %s: %s.from_pretrained loads all %d tensors of init.safetensors, reports missing %s, ties %s; "
          "loss eager %.9g sdpa %.9g golden %.9g%s" % (
        verdict, adapter.model_class.__name__, len(arrays), sorted(reported) or "none", " and ".join(tied_keys(model)),
        results["eager"], results["sdpa"], expected,
        "" if not problems else "; " + "; ".join(problems)))
    if problems:
        sys.exit(1)


def main():
    """One of --make-init, --golden, --golden-train or --check-load DIR for the --model's adapter, on one torch
    thread with a fixed torch seed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=sorted(ADAPTERS), default="bert")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--make-init", metavar="DIR")
    mode.add_argument("--golden", metavar="DIR")
    mode.add_argument("--check-load", metavar="DIR")
    mode.add_argument("--golden-train", metavar="DIR")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    adapter = adapter_for(args.model)
    if args.make_init:
        make_init(adapter, args.make_init)
    elif args.golden:
        golden(adapter, args.golden)
    elif args.golden_train:
        golden_train(adapter, args.golden_train)
    elif hasattr(adapter, "check_load"):  # a model of several HF folders loads its own way
        adapter.check_load(args.check_load)
    else:
        check_load(adapter, args.check_load)


if __name__ == "__main__":
    sys.modules.setdefault("torch_reference", sys.modules[__name__])  # adapters in other files import this one
    main()
