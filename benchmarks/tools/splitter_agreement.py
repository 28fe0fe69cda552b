"""Sentence-boundary agreement between Pretext's splitter and peer splitters (benchmark only).

    python splitter_agreement.py --corpora DIR --work DIR --bench PATH [--stride N] [--repeat N]

English: paragraphs of dev-en (each document's text split on "\\n", stripped, non-empty),
every STRIDE-th one (pySBD runs at about 0.03 MB/s, so the default takes a deterministic
sample). Tools: Pretext (`pretext-bench split --language english`), pySBD 0.3.4
(`Segmenter(language="en", clean=False)`), blingfire (`text_to_sentences`) and syntok
(`segmenter.analyze`).

Korean: the debian-faq-ko documents of dev-multi. Its lines are the FAQ's text hard-wrapped
at about 70 columns (Hangul counts two), so paragraphs are rebuilt by joining a line of
display width >= 58 with the next one, with one space. Tools: Pretext (`--language korean`)
and kss 6 with its three morpheme-free or bundled backends: `pecab` (pure-Python morpheme
analyzer, kss's default when MeCab is absent), `fast` (kss's C++ rule splitter) and `punct`
(punctuation rules only).

Boundaries: a paragraph's sentences s1..sm give the boundary set
    B = { nonspace(s1 + ... + sk) : 1 <= k < m }
where nonspace(x) counts the characters of x that are not white space (str.isspace). So a
boundary is a character offset in the paragraph with all white space removed, the end of
the paragraph is not a boundary, and tools that trim, keep or rewrite white space compare
equal. (Every tool is checked to return the paragraph's non-space characters unchanged.)

Agreement of two tools on a corpus is the micro-averaged F1 (Dice) of their boundary sets:
    F1(A, B) = 2 * sum_p |A_p & B_p| / (sum_p |A_p| + sum_p |B_p|)
which is symmetric; Jaccard = sum |A & B| / sum |A | B| is printed too. Agreement with the
majority: for each tool T, M_T = the boundaries found by more than half of the other tools
(2 of 3 on English); T's agreement with the majority is F1(T, M_T). The English verdict
compares Pretext's with pySBD's.
"""
import argparse
import json
import os
import subprocess
import sys
import time
import unicodedata


def english_paragraphs(corpora, stride):
    paragraphs = []
    with open(os.path.join(corpora, "dev-en", "corpus.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            for p in json.loads(line)["text"].split("\n"):
                p = p.strip()
                if p:
                    paragraphs.append(p)
    return paragraphs[::stride]


def display_width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def korean_paragraphs(corpora):
    paragraphs = []
    with open(os.path.join(corpora, "dev-multi", "corpus.jsonl"), encoding="utf-8") as fh:
        for line in fh:
            text = json.loads(line)["text"]
            if not any("\uac00" <= c <= "\ud7a3" for c in text):
                continue
            current = []
            for l in text.split("\n"):
                l = l.strip()
                if not l:
                    continue
                current.append(l)
                if display_width(l) < 58:
                    paragraphs.append(" ".join(current))
                    current = []
            if current:
                paragraphs.append(" ".join(current))
    return paragraphs


def nonspace(s):
    return sum(1 for c in s if not c.isspace())


def boundaries(paragraph, sentences):
    """The boundary set of one paragraph, or None when the sentences lost or changed text."""
    if "".join(c for c in "".join(sentences) if not c.isspace()) != "".join(c for c in paragraph if not c.isspace()):
        return None
    out, at = set(), 0
    for s in sentences[:-1]:
        at += nonspace(s)
        out.add(at)
    out.discard(nonspace(paragraph))
    return frozenset(out)


def run_pretext(bench, paragraphs, language, work, repeat):
    src = os.path.join(work, f"paragraphs-{language}.txt")
    dst = os.path.join(work, f"pretext-{language}.ranges")
    with open(src, "w", encoding="utf-8") as fh:
        for p in paragraphs:
            fh.write(p + "\n")
    out = subprocess.run(["taskset", "-c", "0", bench, "split", src, "--language", language,
                          "--output", dst, "--repeat", str(repeat)],
                         check=True, capture_output=True, text=True).stdout
    fields = dict(kv.split("=", 1) for kv in out.split() if "=" in kv)
    result = []
    with open(dst, encoding="utf-8") as fh:
        for p, line in zip(paragraphs, fh):
            b = p.encode("utf-8")
            result.append([b[int(s):int(e)].decode("utf-8") for s, e in (r.split("-") for r in line.split())])
    assert len(result) == len(paragraphs), "pretext-bench wrote fewer lines than paragraphs"
    return result, float(fields["mb_s"])


def timed(fn, paragraphs, repeat=1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = [fn(p) for p in paragraphs]
        best = min(best, time.perf_counter() - t0)
    return out, sum(len(p.encode("utf-8")) for p in paragraphs) / best / 1e6


def english_tools():
    import blingfire
    import pysbd
    import syntok.segmenter as syntok_segmenter
    seg = pysbd.Segmenter(language="en", clean=False)

    def syntok_split(p):
        return ["".join(t.spacing + t.value for t in s) for para in syntok_segmenter.analyze(p) for s in para]

    return [("pySBD", seg.segment, 1),
            ("blingfire", lambda p: blingfire.text_to_sentences(p).split("\n"), 3),
            ("syntok", syntok_split, 1)]


def korean_tools():
    from kss import split_sentences

    def backend(name):
        return lambda p: split_sentences(p, backend=name, num_workers=1)
    return [("kss-pecab", backend("pecab"), 1), ("kss-fast", backend("fast"), 1), ("kss-punct", backend("punct"), 1)]


def f1(a, b):
    inter = sum(len(x & y) for x, y in zip(a, b))
    total = sum(len(x) for x in a) + sum(len(y) for y in b)
    union = total - inter
    return (2 * inter / total if total else 1.0), (inter / union if union else 1.0)


def majority(sets_by_tool, names, leave_out):
    others = [sets_by_tool[n] for n in names if n != leave_out]
    need = len(others) // 2 + 1
    out = []
    for per_paragraph in zip(*others):
        counts = {}
        for s in per_paragraph:
            for b in s:
                counts[b] = counts.get(b, 0) + 1
        out.append(frozenset(b for b, c in counts.items() if c >= need))
    return out


def report(title, paragraphs, outputs, speeds, work, tag):
    names = list(outputs)
    sets, bad = {}, {}
    for n in names:
        sets[n], bad[n] = [], 0
        for p, sents in zip(paragraphs, outputs[n]):
            b = boundaries(p, sents)
            if b is None:
                bad[n] += 1
                b = frozenset()
            sets[n].append(b)
    # Paragraphs where some tool changed the text are dropped for every tool.
    keep = [i for i in range(len(paragraphs)) if all(boundaries(paragraphs[i], outputs[n][i]) is not None for n in names)]
    for n in names:
        sets[n] = [sets[n][i] for i in keep]
    nbytes = sum(len(p.encode("utf-8")) for p in paragraphs)
    print(f"\n== {title}: {len(paragraphs)} paragraphs, {nbytes / 1e6:.2f} MB; "
          f"{len(paragraphs) - len(keep)} dropped because a tool changed their text "
          f"({', '.join(f'{n} {bad[n]}' for n in names if bad[n]) or 'none'})")
    print(f"{'tool':<12}{'sentences':>10}{'boundaries':>11}{'MB/s':>9}  " + "".join(f"{n:>11}" for n in names))
    for a in names:
        sentences = sum(len(outputs[a][i]) for i in keep)
        nb = sum(len(s) for s in sets[a])
        row = "".join(f"{f1(sets[a], sets[b])[0] * 100:>10.2f}%" for b in names)
        print(f"{a:<12}{sentences:>10}{nb:>11}{speeds[a]:>9.3f}  {row}")
    print("pairwise: F1 of boundary sets (%), micro-averaged over paragraphs")
    print(f"{'tool':<12}{'F1 vs majority of the others':>30}{'Jaccard':>10}")
    agreement = {}
    for n in names:
        m = majority(sets, names, n)
        agreement[n] = f1(sets[n], m)
        print(f"{n:<12}{agreement[n][0] * 100:>29.2f}%{agreement[n][1] * 100:>9.2f}%")
    # Where Pretext differs from the majority of the others: one line per differing boundary.
    m = majority(sets, names, "pretext")
    path = os.path.join(work, f"disagreements-{tag}.txt")
    extra = missing = 0
    with open(path, "w", encoding="utf-8") as fh:
        for i, (mine, theirs) in enumerate(zip(sets["pretext"], m)):
            p = paragraphs[keep[i]]
            for kind, diff in (("pretext-only", mine - theirs), ("majority-only", theirs - mine)):
                for b in sorted(diff):
                    at, seen = 0, 0
                    while at < len(p) and seen < b:
                        seen += not p[at].isspace()
                        at += 1
                    fh.write(f"{kind}\t{p[max(0, at - 60):at]} ‖ {p[at:at + 40]}\n")
                    if kind == "pretext-only":
                        extra += 1
                    else:
                        missing += 1
    print(f"pretext vs majority: {extra} boundaries only Pretext finds, {missing} only the majority finds ({path})")
    return agreement


def throughput_extras(args, sample):
    """Throughput without per-paragraph call overhead: blingfire on the whole sample in one
    call (paragraphs joined by newlines), Pretext on every dev-en paragraph."""
    import blingfire
    whole = "\n".join(sample)
    mb = len(whole.encode("utf-8")) / 1e6
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        blingfire.text_to_sentences(whole)
        best = min(best, time.perf_counter() - t0)
    print(f"blingfire, one call on the whole sample ({mb:.2f} MB): {mb / best:.1f} MB/s")
    everything = english_paragraphs(args.corpora, 1)
    src = os.path.join(args.work, "paragraphs-english-all.txt")
    with open(src, "w", encoding="utf-8") as fh:
        for p in everything:
            fh.write(p + "\n")
    out = subprocess.run(["taskset", "-c", "0", args.bench, "split", src, "--language", "english",
                          "--repeat", str(args.repeat)], check=True, capture_output=True, text=True).stdout
    fields = dict(kv.split("=", 1) for kv in out.split() if "=" in kv)
    print(f"pretext, all {len(everything)} dev-en paragraphs ({float(fields['input_mb']):.1f} MB), "
          f"--language english: {float(fields['mb_s']):.1f} MB/s; --language auto: ", end="")
    out = subprocess.run(["taskset", "-c", "0", args.bench, "split", src, "--language", "auto",
                          "--repeat", str(args.repeat)], check=True, capture_output=True, text=True).stdout
    fields = dict(kv.split("=", 1) for kv in out.split() if "=" in kv)
    print(f"{float(fields['mb_s']):.1f} MB/s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--bench", required=True)
    ap.add_argument("--stride", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)

    en = english_paragraphs(args.corpora, args.stride)
    outputs, speeds = {}, {}
    outputs["pretext"], speeds["pretext"] = run_pretext(args.bench, en, "english", args.work, args.repeat)
    for name, fn, repeat in english_tools():
        print(f"running {name} on {len(en)} English paragraphs", file=sys.stderr)
        outputs[name], speeds[name] = timed(fn, en, repeat)
    en_agreement = report("English (dev-en)", en, outputs, speeds, args.work, "en")
    throughput_extras(args, en)

    ko = korean_paragraphs(args.corpora)
    outputs, speeds = {}, {}
    outputs["pretext"], speeds["pretext"] = run_pretext(args.bench, ko, "korean", args.work, args.repeat)
    for name, fn, repeat in korean_tools():
        print(f"running {name} on {len(ko)} Korean paragraphs", file=sys.stderr)
        outputs[name], speeds[name] = timed(fn, ko, repeat)
    report("Korean (dev-multi, debian-faq-ko)", ko, outputs, speeds, args.work, "ko")

    p, s = en_agreement["pretext"][0], en_agreement["pySBD"][0]
    verdict = "PASS" if p >= s else "FAIL"
    print(f"\nverdict: {verdict}: English agreement with the majority of the other tools: "
          f"Pretext {p * 100:.2f}% {'>=' if p >= s else '<'} pySBD {s * 100:.2f}%")


if __name__ == "__main__":
    main()
