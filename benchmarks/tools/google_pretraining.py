#!/usr/bin/env python3
"""Runs Google's BERT `create_pretraining_data.py` unchanged (its own `main`: read, tokenize,
create instances, mask, shuffle, convert to features, log the first 20 examples, "write")
against the TensorFlow stub in benchmarks/tools/tfstub, and prints one JSON line of
statistics comparable with `pretext stats --json`.

  python google_pretraining.py GOOGLE_DIR -- --input_file=... --output_file=... \
      --vocab_file=... --do_lower_case=True --max_seq_length=128 ... --random_seed=S

GOOGLE_DIR holds create_pretraining_data.py and tokenization.py (fetched read-only outside
the repository by benchmarks/build.sh; never committed). Instrumentation, all outside
Google's code: `create_instances_from_document` is wrapped to learn the number of documents
(len(all_documents) after Google drops empty ones) and when instance creation starts; the
stub writer counts what is written. Times: `read_tokenize_s` (start of main → first
instance), `instances_s` (instances, masking and the final shuffle), `write_s` (features and
the stub writer), `stats_s` (the writer's counting, included in write_s).
"""

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    google_dir = sys.argv[1]
    args = sys.argv[sys.argv.index("--") + 1:]
    sys.path.insert(0, os.path.join(HERE, "tfstub"))
    sys.path.insert(1, google_dir)
    import tensorflow as tf  # the stub
    assert tf.__file__.startswith(os.path.join(HERE, "tfstub")), tf.__file__
    import create_pretraining_data as cpd

    marks = {}
    original_cifd = cpd.create_instances_from_document
    original_cti = cpd.create_training_instances
    original_write = cpd.write_instance_to_example_files

    def cifd(all_documents, *a, **k):
        if "documents" not in marks:
            marks["documents"] = len(all_documents)
            marks["instances_start"] = time.perf_counter()
        return original_cifd(all_documents, *a, **k)

    def cti(*a, **k):
        marks["main_start"] = time.perf_counter()
        out = original_cti(*a, **k)
        marks["instances_end"] = time.perf_counter()
        return out

    def write(*a, **k):
        t = time.perf_counter()
        original_write(*a, **k)
        marks["write_s"] = time.perf_counter() - t

    cpd.create_instances_from_document = cifd
    cpd.create_training_instances = cti
    cpd.write_instance_to_example_files = write

    flags = tf.flags
    flags.mark_flag_as_required("input_file")
    flags.mark_flag_as_required("output_file")
    flags.mark_flag_as_required("vocab_file")
    tf.flags.FLAGS._parse(["create_pretraining_data.py"] + args)
    vocab = []
    with open(tf.flags.FLAGS.vocab_file, encoding="utf-8") as f:
        for line in f:
            vocab.append(line.strip())
    tf.python_io.TFRecordWriter.all_statistics[:] = []
    from tensorflow import RecordStatistics
    RecordStatistics.mask_id = vocab.index("[MASK]")
    RecordStatistics.unk_id = vocab.index("[UNK]")
    RecordStatistics.max_predictions = tf.flags.FLAGS.max_predictions_per_seq
    RecordStatistics.masked_lm_prob = tf.flags.FLAGS.masked_lm_prob
    if tf.flags.FLAGS.do_whole_word_mask:
        RecordStatistics.continuation = [w.startswith("##") for w in vocab]

    t0 = time.perf_counter()
    tf.app.run(main=cpd.main, argv=["create_pretraining_data.py"] + args)
    total = time.perf_counter() - t0

    c = {}
    lengths = {}
    stats_s = 0.0
    for s in tf.python_io.TFRecordWriter.all_statistics:
        for k, v in s.c.items():
            c[k] = max(c.get(k, 0), v) if k == "max_seq_length" else c.get(k, 0) + v
        for k, v in s.lengths.items():
            lengths[k] = lengths.get(k, 0) + v
        stats_s += s.seconds
    F = tf.flags.FLAGS
    c["documents"] = marks.get("documents", 0)
    c["dupe_factor"] = F.dupe_factor
    c["seed"] = F.random_seed
    c["whole_word_mask"] = bool(F.do_whole_word_mask)
    c["read_tokenize_s"] = marks["instances_start"] - marks["main_start"]
    c["instances_s"] = marks["instances_end"] - marks["instances_start"]
    c["write_s"] = marks.get("write_s", 0.0)
    c["stats_s"] = stats_s
    c["main_s"] = total
    for k in sorted(lengths):
        c["length_%04d" % k] = lengths[k]
    print(json.dumps(c, sort_keys=True))


if __name__ == "__main__":
    main()
