"""The GPT-2 adapter of torch_reference.py: a tiny Hugging Face GPT2LMHeadModel (vocab 40,
n_embd 16, 2 layers, 2 heads, n_inner 24, n_positions 16, gelu_new) and its batch.

    python torch_reference.py --model gpt --make-init|--golden|--check-load DIR

Labels follow Pretext, not Hugging Face: they are already shifted (labels[t] is the token at
t + 1, -100 where there is none), so the loss is computed here from `model(input_ids).logits`
as the mean cross-entropy of logits[t] against labels[t] over the positions with a label. (HF's
own `labels=` argument shifts internally; --golden checks that both agree.)
"""
import os
import sys

import torch
import torch.nn.functional as F
import transformers
from transformers import GPT2Config, GPT2LMHeadModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import BertReference  # noqa: E402


class GPTReference(BertReference):
    model_class = GPT2LMHeadModel
    config_class = GPT2Config
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
    FINAL_PARAMS = [
        "transformer.wte.weight",
        "transformer.h.0.attn.c_attn.weight",
        "transformer.h.0.ln_1.weight",
    ]

    def no_decay(self, name):
        """AdamW group: biases and the LayerNorm tensors (ln_1, ln_2, ln_f) do not decay."""
        return name.endswith(".bias") or ".ln_" in name

    def is_norm_weight(self, name):
        return ".ln_" in name and name.endswith(".weight")

    def read_config(self, directory):
        # HF warns that its default bos/eos ids (50256) lie outside this vocabulary; they are unused here.
        verbosity = transformers.utils.logging.get_verbosity()
        transformers.utils.logging.set_verbosity_error()
        config = super().read_config(directory)
        config.bos_token_id = config.eos_token_id = None
        transformers.utils.logging.set_verbosity(verbosity)
        return config

    def prepare(self, model):
        model.loss_type = "ForCausalLM"  # HF's default for `labels=`, named to skip a warning

    def logits_and_loss(self, model, batch):
        """Pretext's causal-LM loss: labels are already shifted, so logits[t] is scored against labels[t]."""
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        vocab = model.config.vocab_size
        loss = F.cross_entropy(logits.reshape(-1, vocab), batch["labels"].reshape(-1), ignore_index=-100)
        return loss, logits

    def loss(self, model, batch):
        return self.logits_and_loss(model, batch)[0]

    def forward(self, model, batch):
        loss, logits = self.logits_and_loss(model, batch)
        hf = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=hf_shifted_labels(batch)).loss
        if abs(hf.item() - loss.item()) > 1e-6 * abs(loss.item()):  # HF's loss upcasts to float32 only
            sys.exit("HF loss with labels= %r != Pretext-convention loss %r" % (hf.item(), loss.item()))
        labelled = batch["labels"] != -100
        return {"loss": loss, "logits": logits[labelled]}  # row-major (batch row, position)

    def zero_gradients(self, grads):
        """The key third of each fused c_attn bias."""
        h = self.CONFIG["n_embd"]
        return [("%s key part [%d, %d)" % (k, h, 2 * h), v[h:2 * h]) for k, v in grads.items() if k.endswith("attn.c_attn.bias")]


def hf_shifted_labels(batch):
    """The same targets in HF's convention (HF drops logits[:, -1] and labels[:, 0])."""
    labels = batch["labels"]
    if not bool((labels[:, -1] == -100).all()):
        sys.exit("the last position of every row must be unlabelled")
    return torch.cat([torch.full_like(labels[:, :1], -100), labels[:, :-1]], dim=1)
