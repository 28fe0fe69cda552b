"""python/examples/hf_trainer.py: transformers.Trainer trains tiny HF models on Swift-built
shards through PretextLoader, and a resumed run equals an uninterrupted one."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

import support

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(PYTHON_DIR, "examples", "hf_trainer.py")

try:
    import torch  # noqa: F401
    import transformers  # noqa: F401
    HAVE_HF = True
except ImportError:
    if os.environ.get("PRETEXT_REQUIRE_TORCH") == "1":
        raise
    HAVE_HF = False


def train(shards, output, *args):
    result = subprocess.run([sys.executable, EXAMPLE, shards, "--output", output, "--hidden", "32", "--batch-size", "4", *args],
                            cwd=PYTHON_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise AssertionError("hf_trainer.py failed:\n%s" % result.stderr.decode()[-3000:])
    return json.loads(result.stdout.decode().strip().splitlines()[-1])


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
@unittest.skipUnless(HAVE_HF, "torch and transformers are not installed (scripts/python-tests.sh installs them)")
class HFTrainerExampleTests(unittest.TestCase):
    def test_bert_for_pretraining_on_nsp_shards_and_an_exact_resume(self):
        shards = support.swift_build("hf-bert-nsp", "pipelines/bert-nsp.toml")
        work = tempfile.mkdtemp(dir=support.scratch_dir())
        whole = train(shards, os.path.join(work, "whole"), "--max-steps", "4")
        self.assertEqual((whole["model"], whole["task"], whole["steps"]), ("BertForPreTraining", "nsp", 4))
        self.assertEqual(len(whole["losses"]), 4)
        # MLM + NSP losses of a fresh model: about ln V + ln 2.
        self.assertLess(abs(whole["first_loss"] - (whole["ln_vocab"] + 0.693)), 1.0)
        self.assertEqual(whole["loader"]["batch"], 4)
        # Stopped after 2 steps with a checkpoint, then resumed: the same batches and losses.
        resumed = os.path.join(work, "resumed")
        half = train(shards, resumed, "--max-steps", "2", "--save-steps", "2")
        self.assertTrue(os.path.exists(os.path.join(resumed, "checkpoint-2", "pretext_loader.json")))
        self.assertEqual(half["losses"], whole["losses"][:2])
        rest = train(shards, resumed, "--max-steps", "4", "--save-steps", "2", "--resume")
        self.assertEqual(rest["losses"], whole["losses"])
        self.assertEqual(rest["loader"], whole["loader"])

    def test_gpt2_lm_head_model_on_causal_shards_with_two_workers(self):
        shards = support.swift_build("hf-gpt-causal", "pipelines/gpt-causal.toml")
        work = tempfile.mkdtemp(dir=support.scratch_dir())
        run = train(shards, os.path.join(work, "gpt"), "--max-steps", "3", "--workers", "2")
        self.assertEqual((run["model"], run["task"], run["steps"]), ("GPT2LMHeadModel", "causal", 3))
        # The next-token loss of a fresh model is about ln V.
        self.assertLess(abs(run["first_loss"] - run["ln_vocab"]), 0.5)
        same = train(shards, os.path.join(work, "gpt-0"), "--max-steps", "3", "--workers", "0")
        self.assertEqual(same["losses"], run["losses"], "the worker count changes nothing")


if __name__ == "__main__":
    unittest.main()
