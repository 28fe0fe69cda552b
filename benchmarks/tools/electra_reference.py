"""The ELECTRA adapter of torch_reference.py: Hugging Face's ElectraForMaskedLM (generator) and
ElectraForPreTraining (discriminator) with shared embeddings, as one module, and its batch.

    python torch_reference.py --model electra --make-init|--golden|--golden-train|--check-load DIR

The pair is `ElectraPair`: the discriminator is registered first, so the embeddings both share
(word, position, token type, LayerNorm) are named `discriminator.electra.embeddings.*`, and
every other tensor `<role>.<HF name>` -- the names of Pretext's ElectraModel arena. The
generator's `electra.embeddings` is the discriminator's module and its `generator_lm_head.weight`
the shared word embeddings (google-research/electra ties them so).

The generator's sampling is replaced by fixed tokens (`samples` in batch.json, one per labelled
position in row-major order), so both sides see the same corrupted input: the original ids
with the samples at the labelled positions, RTD label 1 where a sample differs from the
original. loss = generator MLM (HF's mean CE over the labelled positions) + disc_weight x
discriminator RTD (HF's mean BCE over the positions with attention mask 1).

--check-load splits init.safetensors into the two HF folders Pretext's checkpoints hold
(`discriminator/`, `generator/`), loads each with from_pretrained and checks the names, the
values and the loss.
"""
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
import transformers
from transformers import ElectraConfig, ElectraForMaskedLM, ElectraForPreTraining

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference import BertReference, read_safetensors, write_safetensors, load_batch  # noqa: E402

# Pretext's fields of an ELECTRA config that HF's ElectraConfig does not have.
TRAINING_FIELDS = ("generator_hidden_size", "generator_layers", "disc_weight")
SHARED = ["electra.embeddings.word_embeddings.weight", "electra.embeddings.position_embeddings.weight",
          "electra.embeddings.token_type_embeddings.weight", "electra.embeddings.LayerNorm.weight",
          "electra.embeddings.LayerNorm.bias"]


class PairConfig:
    """The run's config.json: the discriminator's ElectraConfig plus the training fields, and
    the generator's config derived as google-research/electra's get_generator_config does."""

    def __init__(self, values):
        self.values = dict(values)
        self._attn_implementation = "eager"

    @classmethod
    def from_json_file(cls, path):
        with open(path) as f:
            return cls(json.load(f))

    def discriminator(self):
        values = {k: v for k, v in self.values.items() if k not in TRAINING_FIELDS}
        values["architectures"] = ["ElectraForPreTraining"]
        config = ElectraConfig(**values)
        config._attn_implementation = self._attn_implementation
        return config

    def generator(self):
        values = {k: v for k, v in self.values.items() if k not in TRAINING_FIELDS}
        width = int(round(values["hidden_size"] * self.values.get("generator_hidden_size", 0.25)))
        values.update(hidden_size=width, intermediate_size=4 * width, num_attention_heads=max(1, width // 64),
                      num_hidden_layers=int(round(values["num_hidden_layers"] * self.values.get("generator_layers", 1.0))),
                      architectures=["ElectraForMaskedLM"])
        config = ElectraConfig(**values)
        config._attn_implementation = self._attn_implementation
        return config

    @property
    def disc_weight(self):
        return float(self.values.get("disc_weight", 50.0))


class ElectraPair(torch.nn.Module):
    def __init__(self, config):
        super().__init__()
        self.discriminator = ElectraForPreTraining(config.discriminator())
        self.generator = ElectraForMaskedLM(config.generator())
        self.disc_weight = config.disc_weight
        self.tie()

    def tie(self):
        self.generator.electra.embeddings = self.discriminator.electra.embeddings
        self.generator.generator_lm_head.weight = self.discriminator.electra.embeddings.word_embeddings.weight

    # alias -> the tensor it is (torch_reference's tied_keys / untied read this)
    _tied_weights_keys = dict(
        [("generator." + name, "discriminator." + name) for name in SHARED]
        + [("generator.generator_lm_head.weight", "discriminator.electra.embeddings.word_embeddings.weight")])

    def outputs(self, batch):
        labels = batch["labels"]
        generator = self.generator(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                                   token_type_ids=batch["token_type_ids"], labels=labels)
        labelled = labels != -100
        originals = torch.where(labelled, labels, batch["input_ids"])
        corrupted = originals.clone()
        corrupted[labelled] = batch["samples"]
        rtd_labels = (corrupted != originals).long()
        discriminator = self.discriminator(input_ids=corrupted, attention_mask=batch["attention_mask"],
                                           token_type_ids=batch["token_type_ids"], labels=rtd_labels)
        return {
            "loss": generator.loss + self.disc_weight * discriminator.loss,
            "mlm_loss": generator.loss,
            "rtd_loss": discriminator.loss,
            "mlm_logits": generator.logits[labelled],  # row-major (batch row, position)
            "rtd_logits": discriminator.logits,
        }


class ElectraReference(BertReference):
    model_class = ElectraPair
    config_class = PairConfig
    CONFIG = {
        "architectures": ["ElectraForPreTraining"],
        "model_type": "electra",
        "vocab_size": 40,
        "embedding_size": 8,
        "hidden_size": 16,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 24,
        "max_position_embeddings": 24,
        "type_vocab_size": 2,
        "hidden_act": "gelu_new",
        "layer_norm_eps": 1e-12,
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "initializer_range": 0.02,
        "pad_token_id": 0,
        "generator_hidden_size": 0.75,
        "generator_layers": 1.0,
        "disc_weight": 50.0,
    }
    # Batch 3 x 11. Id 1 plays [CLS], 2 [SEP], 3 [MASK]; 0 is padding (row 2 ends in three). Labels
    # are -100 except at 7 positions; row 2 position 6 keeps its own token (input and label 20).
    # samples: the generator's "draws" at those positions in row-major order; the 1st (14 at row 0
    # position 2), 4th (16) and 7th (20, the kept token) equal the original, so 4 of the 7 are
    # replaced.
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
        "samples": [14, 21, 6, 16, 35, 2, 20],
    }
    FINAL_PARAMS = [
        "discriminator.electra.embeddings.word_embeddings.weight",
        "discriminator.electra.encoder.layer.0.attention.self.query.weight",
        "discriminator.discriminator_predictions.dense_prediction.weight",
        "generator.electra.encoder.layer.1.output.LayerNorm.weight",
        "generator.generator_lm_head.bias",
    ]

    def loss(self, model, batch):
        return model.outputs(batch)["loss"]

    def forward(self, model, batch):
        return model.outputs(batch)

    def check_load(self, directory):
        """The two HF folders of a Pretext ELECTRA checkpoint, made from init.safetensors as
        Pretext's ElectraNames.export makes them, load with from_pretrained: no missing (but
        the tied lm head) or unexpected keys, every tensor equal, and the same loss."""
        batch = load_batch(directory)
        arrays, _ = read_safetensors(os.path.join(directory, "init.safetensors"))
        golden_arrays, _ = read_safetensors(os.path.join(directory, "golden.safetensors"))
        config = PairConfig.from_json_file(os.path.join(directory, "config.json"))
        problems = []
        transformers.utils.logging.disable_progress_bar()
        with tempfile.TemporaryDirectory() as tmp:
            parts = {"discriminator": (ElectraForPreTraining, config.discriminator()), "generator": (ElectraForMaskedLM, config.generator())}
            models = {}
            for role, (cls, hf_config) in parts.items():
                folder = os.path.join(tmp, role)
                os.makedirs(folder)
                hf_config.save_pretrained(folder)
                state = {name[len(role) + 1:]: a for name, a in arrays.items() if name.startswith(role + ".")}
                for name in SHARED:
                    state[name] = arrays["discriminator." + name]
                if role == "generator":
                    state["generator_lm_head.weight"] = arrays["discriminator.electra.embeddings.word_embeddings.weight"]
                write_safetensors(os.path.join(folder, "model.safetensors"), state, {"format": "pt"})
                model, info = cls.from_pretrained(folder, output_loading_info=True, attn_implementation="eager")
                model.eval()
                for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
                    if info.get(kind):
                        problems.append("%s %s: %s" % (role, kind, sorted(info[kind])))
                loaded = model.state_dict()
                for name, a in state.items():
                    if not np.array_equal(loaded[name].detach().numpy(), a):
                        problems.append("%s: %s differs" % (role, name))
                models[role] = model
            pair = ElectraPair(config)
            pair.discriminator, pair.generator = models["discriminator"], models["generator"]
            pair.eval()
            with torch.no_grad():
                loss = pair.outputs(batch)["loss"].item()
        expected = float(golden_arrays["loss"][0])
        if abs(loss - expected) > 1e-6 * abs(expected):
            problems.append("loss %.9g != golden %.9g" % (loss, expected))
        print("check-load %s: ElectraForPreTraining and ElectraForMaskedLM load the two folders of %d tensors; loss %.9g golden %.9g%s" % (
            "OK" if not problems else "FAIL", len(arrays), loss, expected, "" if not problems else "; " + "; ".join(problems)))
        if problems:
            sys.exit(1)
