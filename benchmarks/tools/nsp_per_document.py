#!/usr/bin/env python3
"""NSP instances per document, seed by seed, from Google's code and from Pretext — a
sharper equivalence check than whole-run statistics, whose seed-to-seed spread is large and
heavy-tailed: a big document (1,000+ sentences) that draws a short target length (10% of
documents, uniform 2…125 tokens) yields up to 4x its usual number of instances.

  nsp_per_document.py google GOOGLE_DIR INPUT VOCAB SEEDS OUT.jsonl [--no-shuffle]
      Tokenizes INPUT once with Google's FullTokenizer, then per seed does what the script's
      create_training_instances does at dupe_factor 1 — random.Random(seed), shuffle the
      documents, create_instances_from_document for each (masking included) — and records
      the number of instances of each document (by its position in INPUT). --no-shuffle
      leaves the documents in input order: the same distribution by construction, run as a
      control of how much the seed-to-seed spread itself varies.
  nsp_per_document.py pretext PRETEXT PIPELINE INPUT VOCAB SEEDS OUT.jsonl
      `pretext build` with output.documents_per_unit=1 (one unit per document; Pretext's
      randomness is keyed by document, so the instances are those of a normal build) and the
      per-unit counters from catalog.sqlite.
  nsp_per_document.py compare GOOGLE.jsonl PRETEXT.jsonl [CONTROL.jsonl]   → markdown lines
"""
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def google(google_dir, input_path, vocab, seeds, out, shuffle=True):
    sys.path.insert(0, os.path.join(HERE, "tfstub"))
    sys.path.insert(1, google_dir)
    import tensorflow as tf  # the stub
    import create_pretraining_data as cpd
    import tokenization
    tf.flags.FLAGS._parse(["create_pretraining_data.py"])  # defaults: no whole-word masking
    tokenizer = tokenization.FullTokenizer(vocab_file=vocab, do_lower_case=True)
    documents = [[]]
    with open(input_path, encoding="utf-8", newline="\n") as f:  # the script's reading loop
        for line in f:
            line = tokenization.convert_to_unicode(line).strip()
            if not line:
                documents.append([])
            tokens = tokenizer.tokenize(line)
            if tokens:
                documents[-1].append(tokens)
    documents = [d for d in documents if d]
    vocab_words = list(tokenizer.vocab.keys())
    with open(out, "w") as o:
        o.write(json.dumps({"doc_tokens": [sum(len(s) for s in d) for d in documents],
                            "doc_sentences": [len(d) for d in documents]}) + "\n")
        for seed in range(1, seeds + 1):
            rng = random.Random(seed)
            order = list(range(len(documents)))
            if shuffle:
                rng.shuffle(order)  # the same draws as rng.shuffle(all_documents)
            shuffled = [documents[k] for k in order]
            counts = [0] * len(documents)
            for i in range(len(shuffled)):
                counts[order[i]] = len(cpd.create_instances_from_document(
                    shuffled, i, 128, 0.1, 0.15, 20, vocab_words, rng))
            o.write(json.dumps({"seed": seed, "counts": counts}) + "\n")
            o.flush()


def pretext(binary, pipeline, input_path, vocab, seeds, out):
    folder = out + ".build"
    with open(out, "w") as o:
        for seed in range(1, seeds + 1):
            shutil.rmtree(folder, ignore_errors=True)
            subprocess.run([binary, "build", pipeline, "--input", input_path, "--tokenizer", vocab, "--output", folder,
                            "--threads", "2", "--set", "output.seed=%d" % seed, "--set", "tokenizer.max_word_chars=200",
                            "--set", "output.documents_per_unit=1"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            db = sqlite3.connect(os.path.join(folder, "catalog.sqlite"))
            label, store = {}, {}
            for stage, unit, text in db.execute("select stage, unit, statistics from build_units"):
                d = dict((l.split()[0], float(l.split()[1])) for l in text.splitlines() if l.strip())
                if stage == "label":
                    label[unit] = int(d.get("instances", 0))
                elif stage == "store":
                    store[unit] = (int(d.get("tokens", 0)), int(d.get("sentences", 0)))
            db.close()
            n = max(label) + 1
            if seed == 1:
                o.write(json.dumps({"doc_tokens": [store[k][0] for k in range(n)],
                                    "doc_sentences": [store[k][1] for k in range(n)]}) + "\n")
            o.write(json.dumps({"seed": seed, "counts": [label[k] for k in range(n)]}) + "\n")
            o.flush()
    shutil.rmtree(folder, ignore_errors=True)


def load(path):
    head, runs = None, []
    with open(path) as f:
        for line in f:
            d = json.loads(line)
            if "doc_tokens" in d:
                head = d
            else:
                runs.append(d["counts"])
    return head, runs


def compare(gpath, ppath, cpath=None):
    gh, g = load(gpath)
    ph, p = load(ppath)
    control = load(cpath)[1] if cpath else None
    docs = len(gh["doc_tokens"])
    same_tokens = sum(1 for a, b in zip(gh["doc_tokens"], ph["doc_tokens"]) if a == b)
    same_sentences = sum(1 for a, b in zip(gh["doc_sentences"], ph["doc_sentences"]) if a == b)
    lines = ["", "**Instances per document, document by document** (`nsp_per_document.py`: Google's own reading, tokenizer, "
             "document shuffle and `create_instances_from_document` per seed; Pretext builds with one unit per document)", "",
             "Tokens: %d of %d documents have the same number of tokens under both tokenizers (%d vs %d in all), "
             "%d the same number of sentences." % (same_tokens, docs, sum(gh["doc_tokens"]), sum(ph["doc_tokens"]), same_sentences), "",
             "| | seeds | instances per document: mean | sd over seeds | median | min – max |", "|---|---|---|---|---|---|"]
    stats = {}
    for name, runs in (("Google", g), ("Pretext", p)):
        ipd = [sum(c) / docs for c in runs]
        stats[name] = ipd
        lines.append("| %s | %d | %.3f | %.3f | %.3f | %.3f – %.3f |" % (name, len(ipd), statistics.mean(ipd), statistics.stdev(ipd),
                                                                      statistics.median(ipd), min(ipd), max(ipd)))
    if control:
        ipd = [sum(c) / docs for c in control]
        lines.append("| Google without the document shuffle (control) | %d | %.3f | %.3f | %.3f | %.3f – %.3f |" % (
            len(ipd), statistics.mean(ipd), statistics.stdev(ipd), statistics.median(ipd), min(ipd), max(ipd)))
    a, b = stats["Google"], stats["Pretext"]
    se = (statistics.variance(a) / len(a) + statistics.variance(b) / len(b)) ** 0.5
    z = (statistics.mean(b) - statistics.mean(a)) / se
    # Per document: the mean count over seeds, compared document by document.
    gm = [statistics.mean(c[k] for c in g) for k in range(docs)]
    pm = [statistics.mean(c[k] for c in p) for k in range(docs)]
    typical_g = [statistics.median(c[k] for c in g) for k in range(docs)]
    typical_p = [statistics.median(c[k] for c in p) for k in range(docs)]
    same_median = sum(1 for x, y in zip(typical_g, typical_p) if abs(x - y) <= max(1, 0.05 * x))
    lines += ["", "Difference of the means: %+.3f instances per document (z = %+.1f). Per document, the median count over seeds "
              "agrees within 5%% (or 1 instance) for %d of %d documents; the means over seeds correlate at r = %.4f." % (
                  statistics.mean(b) - statistics.mean(a), z, same_median, docs, correlation(gm, pm))]
    print("\n".join(lines))


def correlation(x, y):
    mx, my = statistics.mean(x), statistics.mean(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy / (sxx * syy) ** 0.5


def main():
    cmd = sys.argv[1]
    if cmd == "google":
        google(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6], shuffle="--no-shuffle" not in sys.argv[7:])
    elif cmd == "pretext":
        pretext(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7])
    elif cmd == "compare":
        compare(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
