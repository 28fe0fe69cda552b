"""PretextLoader against the Swift loader (`pretext batches --json`), byte for byte: every
pipeline of pipelines/, epochs 0 and 1, 2 ranks × 2 workers; exact resume in Python and
across languages; the errors a PyTorch user meets."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

from pretext_reader import BatchMaker, LoaderError, LoaderOptions, LoaderStateError, MaskingConfigError, PretextLoader
from pretext_reader.golden import batch_json_lines

import support

try:
    import torch
except ImportError:  # the golden test needs torch's DataLoader workers; make test installs torch
    if os.environ.get("PRETEXT_REQUIRE_TORCH") == "1":
        raise
    torch = None

NEEDS_TORCH = "torch is not installed (scripts/python-tests.sh installs it)"
PIPELINES = sorted(n[:-5] for n in os.listdir(os.path.join(support.REPO, "pipelines")) if n.endswith(".toml"))
BATCH = 8


def swift_batches(folder, *args):
    result = subprocess.run([support.BINARY, "batches", folder, "--json", "--batch-size", str(BATCH), *map(str, args)],
                            cwd=support.REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode != 0:
        raise AssertionError("pretext batches failed: %s" % result.stderr.decode())
    return result.stdout.decode()


def python_lines(batches):
    """(epoch, number, batch) triples as `pretext batches --json` text."""
    return "".join(line + "\n" for epoch, number, batch in batches for line in batch_json_lines(batch, epoch, number))


def take(loader, count):
    """The next `count` batches of an iteration, with their epoch and rank batch number."""
    out = []
    for _, batch in zip(range(count), loader):
        state = loader.state_dict()   # counts the batch just handed out
        out.append((state["epoch"], state["batch"] - 1, batch))
    return out


def build(pipeline):
    return support.swift_build("loader-" + pipeline, "pipelines/%s.toml" % pipeline)


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class GoldenBatchTests(unittest.TestCase):
    """The acceptance test of issue 16: Python batches == `pretext batches --json`."""

    @unittest.skipIf(torch is None, NEEDS_TORCH)
    def test_every_pipeline_two_ranks_two_workers_epochs_zero_and_one(self):
        self.assertGreaterEqual(len(PIPELINES), 5)
        for pipeline in PIPELINES:
            folder = build(pipeline)
            for rank in (0, 1):
                loader = PretextLoader(folder, BATCH, rank=rank, world_size=2, num_workers=2, return_indices=True)
                for epoch in (0, 1):
                    with self.subTest(pipeline=pipeline, rank=rank, epoch=epoch):
                        loader.set_epoch(epoch)
                        got = take(loader, 4)
                        self.assertIsInstance(got[0][2]["input_ids"], torch.Tensor)
                        self.assertEqual(got[0][2]["input_ids"].dtype, torch.int64)
                        expected = swift_batches(folder, "--epoch", epoch, "--count", 4, "--rank", rank, "--world-size", 2)
                        self.assertEqual(python_lines(got), expected)
                        # Each DataLoader worker's share is the Swift loader's worker stream.
                        for k in (0, 1):
                            maker = BatchMaker(folder, LoaderOptions(BATCH, rank=rank, world_size=2, worker_index=k, worker_count=2))
                            mine = [(epoch, n, maker.batch(epoch, n)) for n in range(2)]
                            self.assertEqual(python_lines(mine), swift_batches(
                                folder, "--epoch", epoch, "--count", 2, "--rank", rank, "--world-size", 2,
                                "--worker-index", k, "--worker-count", 2))

    def test_binning_padding_and_seed_options_match_without_torch(self):
        folder = build("roberta-full-sentences")
        loader = PretextLoader(folder, BATCH, rank=1, world_size=3, binning_batches=4, pad_to_multiple_of=8, seed=7,
                               return_tensors="np", return_indices=True, epoch=2)
        got = take(loader, 5)
        self.assertIsInstance(got[0][2]["input_ids"], np.ndarray)
        self.assertTrue(all(b["input_ids"].shape[1] % 8 == 0 for _, _, b in got))
        self.assertEqual(python_lines(got), swift_batches(folder, "--epoch", 2, "--count", 5, "--rank", 1, "--world-size", 3,
                                                          "--bin", 4, "--pad-to-multiple-of", 8, "--seed", 7))

    def test_electra_segments_match_without_torch(self):
        """ELECTRA's shards: token types from the segment boundary, pair label -100."""
        folder = build("electra")
        maker = BatchMaker(folder, LoaderOptions(BATCH, rank=1, world_size=2))
        got = [(epoch, n, maker.batch(epoch, n)) for epoch in (0, 1) for n in range(3)]
        for epoch in (0, 1):
            self.assertEqual(python_lines(got[3 * epoch:3 * epoch + 3]),
                             swift_batches(folder, "--epoch", epoch, "--count", 3, "--rank", 1, "--world-size", 2))
        rows = [json.loads(line) for line in python_lines(got).splitlines()]
        self.assertTrue(all(row["pair_label"] == -100 for row in rows))
        self.assertTrue(any(1 in row["token_type_ids"] for row in rows))
        self.assertTrue(any(1 not in row["token_type_ids"] for row in rows))
        named = PretextLoader(folder, 4, return_tensors="np").batch(0, 0)
        self.assertEqual(set(named), {"input_ids", "attention_mask", "token_type_ids", "labels"})

    def test_hugging_face_names_per_task(self):
        names = {"nsp": "next_sentence_label", "sop": "sentence_order_label"}
        tasks = set()
        for pipeline in PIPELINES:
            loader = PretextLoader(build(pipeline), 4, return_tensors="np")
            batch = next(iter(loader))
            tasks.add(loader.task)
            with self.subTest(pipeline=pipeline):
                expected = {"input_ids", "attention_mask", "labels"}
                if loader.task != "causal":
                    expected.add("token_type_ids")
                if loader.task in names:
                    expected.add(names[loader.task])
                self.assertEqual(set(batch), expected)
                self.assertEqual(batch["input_ids"].shape, batch["labels"].shape)
                self.assertTrue(((batch["labels"] == -100) | (batch["attention_mask"] == 1)).all())
        self.assertEqual(tasks, {"nsp", "sop", "full-sentences", "causal", "electra"})

    def test_causal_labels_for_hf_lm_heads_are_the_inputs(self):
        folder = build("gpt-causal")
        shifted = PretextLoader(folder, 4, return_tensors="np").batch(0, 0)
        whole = PretextLoader(folder, 4, return_tensors="np", causal_labels="inputs").batch(0, 0)
        for r in range(4):
            n = int(whole["attention_mask"][r].sum())
            ids = whole["input_ids"][r, :n]
            np.testing.assert_array_equal(whole["labels"][r, :n], ids)
            np.testing.assert_array_equal(shifted["input_ids"][r, :n - 1], ids[:-1])
            np.testing.assert_array_equal(shifted["labels"][r, :n - 1], ids[1:])
        self.assertTrue((whole["labels"][whole["attention_mask"] == 0] == -100).all())


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class ResumeTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = build("roberta-full-sentences")

    def epoch_lines(self, workers, epoch=0, **options):
        loader = PretextLoader(self.folder, BATCH, num_workers=workers, return_indices=True, return_tensors="np", **options)
        loader.set_epoch(epoch)
        return python_lines(take(loader, len(loader)))

    def check_resume(self, workers, cut, **options):
        whole = self.epoch_lines(0, **options)
        first = PretextLoader(self.folder, BATCH, num_workers=workers, return_indices=True, return_tensors="np", **options)
        head = take(first, cut)
        state = json.loads(json.dumps(first.state_dict()))   # as a checkpoint stores it
        self.assertEqual(state["batch"], cut)
        second = PretextLoader(self.folder, BATCH, num_workers=workers, return_indices=True, return_tensors="np", **options)
        second.load_state_dict(state)
        tail = take(second, len(second) - cut)
        self.assertEqual(python_lines(head) + python_lines(tail), whole)
        self.assertEqual(second.state_dict()["batch"], len(second))
        # The epoch is over: the next iteration is the next epoch's.
        self.assertEqual(python_lines(take(second, 1)), "\n".join(self.epoch_lines(0, epoch=1, **options).split("\n")[:BATCH]) + "\n")
        self.assertEqual(second.epoch, 1)

    def test_mid_epoch_resume_in_process(self):
        self.check_resume(0, 5)

    @unittest.skipIf(torch is None, NEEDS_TORCH)
    def test_mid_epoch_resume_with_one_and_two_workers(self):
        for workers, cut in ((1, 3), (2, 7), (2, 6)):
            with self.subTest(workers=workers, cut=cut):
                self.check_resume(workers, cut)

    def test_resume_with_binning_and_two_ranks(self):
        self.check_resume(0, 6, rank=1, world_size=2, binning_batches=4)

    def test_epochs_roll_over_and_set_epoch_restarts(self):
        loader = PretextLoader(self.folder, BATCH, return_indices=True, return_tensors="np")
        n = len(loader)
        self.assertEqual(len(list(loader)), n)
        self.assertEqual(loader.epoch, 1)
        second = python_lines([(1, i, b) for i, b in enumerate(loader)])
        self.assertEqual(second, self.epoch_lines(0, epoch=1))
        loader.set_epoch(0)
        self.assertEqual(python_lines([(0, i, b) for i, b in enumerate(loader)]), self.epoch_lines(0))

    def test_a_python_state_resumes_in_swift_and_a_swift_state_in_python(self):
        work = tempfile.mkdtemp(dir=support.scratch_dir())
        loader = PretextLoader(self.folder, BATCH, return_indices=True, return_tensors="np")
        take(loader, 4)
        path = os.path.join(work, "python-state.json")
        with open(path, "w") as f:
            json.dump(loader.state_dict(), f)
        self.assertEqual(swift_batches(self.folder, "--resume", path, "--count", 3), python_lines(take(loader, 3)))

        saved = os.path.join(work, "swift-state.json")
        swift_batches(self.folder, "--count", 6, "--save-state", saved)
        with open(saved) as f:
            state = json.load(f)
        self.assertEqual(state["batch"], 6)
        other = PretextLoader(self.folder, BATCH, return_indices=True, return_tensors="np")
        other.load_state_dict(open(saved).read())
        self.assertEqual(python_lines(take(other, 2)), swift_batches(self.folder, "--resume", saved, "--count", 2))

    def test_a_state_from_another_world_size_deals_the_rest_of_the_epoch(self):
        # Two ranks consumed 3 batches each: the first 2·3·8 positions are done; one rank takes the rest.
        state = PretextLoader(self.folder, BATCH, rank=0, world_size=2).state_dict()
        state.update(batch=3)
        single = PretextLoader(self.folder, BATCH, return_indices=True, return_tensors="np")
        single.load_state_dict(state)
        self.assertEqual(single.state_dict()["start"], 48)
        rows = [int(i) for b in single for i in b["sample_index"]]
        self.assertEqual(len(rows), single.record_count - 48)
        full = PretextLoader(self.folder, single.record_count, return_indices=True, return_tensors="np", shuffle=True)
        order = [int(i) for i in full.batch(0, 0)["sample_index"]]
        self.assertEqual(rows, order[48:])


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
class LoaderErrorTests(unittest.TestCase):
    def test_missing_masking_json(self):
        folder = os.path.join(support.scratch_dir(), "no-masking")
        shutil.copytree(build("roberta-full-sentences"), folder)
        os.remove(os.path.join(folder, "masking.json"))
        with self.assertRaises(MaskingConfigError) as caught:
            PretextLoader(folder, BATCH)
        self.assertIn("masking.json", str(caught.exception))

    def test_a_state_of_a_folder_that_changed(self):
        folder = os.path.join(support.scratch_dir(), "changing")
        shutil.copytree(build("roberta-full-sentences"), folder)
        loader = PretextLoader(folder, BATCH, return_tensors="np")
        take(loader, 2)
        state = loader.state_dict()
        # Rebuilt into smaller shard files: the same records, other files.
        shutil.rmtree(folder)
        subprocess.run([support.BINARY, "build", "pipelines/roberta-full-sentences.toml", "--output", folder, "--threads", "1",
                        "--set", "output.shard_bytes=200000"], cwd=support.REPO, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        rebuilt = PretextLoader(folder, BATCH, return_tensors="np")
        self.assertEqual(rebuilt.record_count, loader.record_count)
        with self.assertRaises(LoaderStateError) as caught:
            rebuilt.load_state_dict(state)
        self.assertIn("changed since the state was saved", str(caught.exception))
        for other, words in ((dict(state, records=state["records"] + 1), "records"),
                             (dict(state, seed=state["seed"] + 1, shard_set=None), "another seed")):
            with self.assertRaises(LoaderStateError) as caught:
                rebuilt.load_state_dict(other)
            self.assertIn(words, str(caught.exception))

    def test_bad_options_and_states(self):
        folder = build("bert-nsp")
        with self.assertRaises(LoaderError):
            PretextLoader(folder, 0)
        with self.assertRaises(LoaderError):
            PretextLoader(folder, BATCH, rank=2, world_size=2)
        with self.assertRaises(LoaderError):
            PretextLoader(folder, BATCH, causal_labels="shifted")
        loader = PretextLoader(folder, BATCH, rank=1, world_size=2, return_tensors="np")
        with self.assertRaises(LoaderStateError) as caught:
            loader.load_state_dict(dict(loader.state_dict(), rank=0))
        self.assertIn("rank 0", str(caught.exception))
        for bad in ("{", json.dumps({"format": "other"}), dict(loader.state_dict(), batch=-1)):
            with self.assertRaises(LoaderStateError):
                loader.load_state_dict(bad)

    @unittest.skipIf(torch is None, NEEDS_TORCH)
    def test_spawned_workers_yield_the_same_batches(self):
        folder = build("bert-nsp")
        forked = PretextLoader(folder, BATCH, num_workers=2, return_indices=True)
        spawned = PretextLoader(folder, BATCH, num_workers=2, return_indices=True, multiprocessing_context="spawn")
        self.assertEqual(python_lines(take(spawned, 3)), python_lines(take(forked, 3)))


def _distributed_rank(rank, folder, init_file, out):
    """One process of a 2-process gloo group: what PretextLoader takes from torch.distributed."""
    import torch.distributed as dist
    dist.init_process_group("gloo", init_method="file://" + init_file, rank=rank, world_size=2)
    try:
        loader = PretextLoader(folder, BATCH, return_indices=True, return_tensors="np")
        state = loader.state_dict()
        with open(out % rank, "w") as f:
            json.dump({"rank": state["rank"], "world_size": state["world_size"],
                       "lines": python_lines(take(loader, 2))}, f)
    finally:
        dist.destroy_process_group()


@unittest.skipUnless(support.have_binary(), support.SKIP_REASON)
@unittest.skipIf(torch is None, NEEDS_TORCH)
class InteropTests(unittest.TestCase):
    def test_rank_and_world_size_come_from_torch_distributed(self):
        import torch.multiprocessing as mp
        folder = build("bert-nsp")
        work = tempfile.mkdtemp(dir=support.scratch_dir())
        out = os.path.join(work, "rank-%d.json")
        mp.spawn(_distributed_rank, args=(folder, os.path.join(work, "init"), out), nprocs=2, join=True)
        for rank in (0, 1):
            with open(out % rank) as f:
                got = json.load(f)
            self.assertEqual((got["rank"], got["world_size"]), (rank, 2))
            self.assertEqual(got["lines"], swift_batches(folder, "--count", 2, "--rank", rank, "--world-size", 2))

    def test_a_datasets_iterable_dataset_over_the_loader(self):
        # As python/README.md shows it.
        import datasets
        folder = build("roberta-full-sentences")

        def rows(folder, epoch):
            loader = PretextLoader(folder, 32, epoch=epoch, return_tensors="np")
            for batch in loader:
                for r in range(len(batch["input_ids"])):
                    yield {key: value[r] for key, value in batch.items()}

        stream = datasets.IterableDataset.from_generator(rows, gen_kwargs={"folder": folder, "epoch": 0})
        first = list(zip(range(40), stream))
        expected = PretextLoader(folder, 32, return_tensors="np").batch(0, 1)
        self.assertEqual(list(first[32][1]["input_ids"]), expected["input_ids"][0].tolist())
        self.assertEqual(list(first[39][1]["labels"]), expected["labels"][7].tolist())


if __name__ == "__main__":
    unittest.main()
