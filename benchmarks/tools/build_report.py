#!/usr/bin/env python3
"""Tables for benchmarks/build.sh (stdlib only).

  build_report.py attach-time OUT PREFIX INPUT LOAD     one JSON: OUT's last line + PREFIX.time/.rss
  build_report.py project RESULTS INPUT                 Google's projected seconds on INPUT
  build_report.py report RESULTS                        the markdown tables and the verdicts

Definitions (the same on both sides; an NSP instance always holds [CLS] and two [SEP]):
  content tokens      = instance_tokens - 3 * instances
  masked share        = masked_tokens / content tokens
  80/10/10 shares     = masked_as_{mask,random,kept} / masked_tokens, classified by outcome:
                        the id now at the position is [MASK], another id, or the original
  instances/document  = instances / documents (documents with at least one token)
  full length         = instances of exactly max_seq_length (128) tokens
  MB                  = 10^6 bytes of input text
"""

import glob
import json
import os
import statistics
import sys


def last_json(path):
    with open(path) as f:
        lines = [l for l in f.read().splitlines() if l.strip().startswith("{")]
    return json.loads(lines[-1])


def attach_time(out, prefix, input_path, load):
    """OUT's statistics + PREFIX.time (/usr/bin/time "%e %U %S %M") + PREFIX.rss (sampler)."""
    d = last_json(out)
    with open(prefix + ".time") as f:
        wall, user, sys_, rss = f.read().split()[-4:]
    d.update(wall_s=float(wall), user_s=float(user), sys_s=float(sys_), rss_kb=int(rss),
             input_bytes=os.path.getsize(input_path), input=os.path.basename(input_path), load_after=float(load))
    if os.path.exists(prefix + ".rss") and os.path.getsize(prefix + ".rss"):
        d.update(last_json(prefix + ".rss"))
    if os.path.exists(prefix + ".steal"):
        with open(prefix + ".steal") as f:
            d.update(steal_s=float(f.read().strip() or 0))
    print(json.dumps(d, sort_keys=True))


def load_results(results):
    out = {}
    for p in glob.glob(os.path.join(results, "*.json")):
        with open(p) as f:
            out[os.path.basename(p)[:-5]] = json.load(f)
    return out


def derived(d):
    n = d["instances"]
    content = d["instance_tokens"] - 3 * n
    m = d["masked_tokens"]
    return {
        "documents": d["documents"],
        "instances": n,
        "instances_per_document": n / d["documents"],
        "mean_instance_tokens": d["instance_tokens"] / n,
        "full_length_share": 100.0 * d["full_length_instances"] / n,
        "random_next_share": 100.0 * d.get("label_1", 0) / n,
        "masked_share": 100.0 * m / content,
        "mask_share": 100.0 * d["masked_as_mask"] / m,
        "random_share": 100.0 * d["masked_as_random"] / m,
        "kept_share": 100.0 * d["masked_as_kept"] / m,
    }


ROWS = [
    ("documents", "documents (non-empty)", "{:.0f}", None),
    ("instances_per_document", "instances per document", "{:.3f}", None),
    ("mean_instance_tokens", "mean tokens per instance", "{:.2f}", None),
    ("full_length_share", "share at full length (128), %", "{:.2f}", None),
    ("random_next_share", "random-next share (label 1), %", "{:.2f}", None),
    ("masked_share", "masked share of content tokens, %", "{:.3f}", None),
    ("mask_share", "masked → [MASK], %", "{:.2f}", 0.2),
    ("random_share", "masked → random id, %", "{:.2f}", 0.2),
    ("kept_share", "masked → kept, %", "{:.2f}", 0.2),
]


def project(results, input_path):
    r = load_results(results)
    runs = [v for k, v in r.items() if k.startswith("google-eq-d1-")]
    if not runs:
        print("inf")
        return
    wall = statistics.median(v["wall_s"] for v in runs)
    print("%.0f" % (wall * os.path.getsize(input_path) / runs[0]["input_bytes"]))


def equivalence_table(r, google_prefix, pretext_prefix, title):
    g = [derived(v) for k, v in sorted(r.items()) if k.startswith(google_prefix)]
    p = [derived(v) for k, v in sorted(r.items()) if k.startswith(pretext_prefix)]
    if not g or not p:
        return []
    lines = ["", title, "",
             "| statistic | Google min–max (%d seeds) | Google mean | Pretext min–max (%d seeds) | Pretext mean | z | verdict |" % (len(g), len(p)),
             "|---|---|---|---|---|---|---|"]
    verdicts = []
    for key, label, fmt, tol in ROWS:
        gv = [x[key] for x in g]
        pv = [x[key] for x in p]
        lo, hi = min(gv), max(gv)
        pm = statistics.mean(pv)
        inside = sum(1 for x in pv if lo <= x <= hi)
        if key == "documents":
            verdict = "same" if set(gv) == set(pv) else "DIFFERENT"
        elif tol is not None:
            ok = lo - tol <= pm <= hi + tol
            verdict = ("yes" if ok else "NO") + " (±%.1f pt; %d/%d seeds in range)" % (tol, inside, len(pv))
            verdicts.append((label, ok))
        else:
            ok = lo <= pm <= hi
            verdict = ("yes" if ok else "NO") + " (%d/%d seeds in range)" % (inside, len(pv))
            verdicts.append((label, ok))
        prange = "%s – %s" % (fmt.format(min(pv)), fmt.format(max(pv)))
        se = (statistics.variance(gv) / len(gv) if len(gv) > 1 else 0) + (statistics.variance(pv) / len(pv) if len(pv) > 1 else 0)
        z = "%+.1f" % ((pm - statistics.mean(gv)) / se ** 0.5) if se > 0 else "–"
        lines.append("| %s | %s – %s | %s | %s | %s | %s | %s |" % (label, fmt.format(lo), fmt.format(hi), fmt.format(statistics.mean(gv)),
                                                                  prange, fmt.format(pm), z, verdict))
    return lines, verdicts


def mb(b):
    return b / 1e6


def report(results):
    r = load_results(results)
    out = []
    verdicts_all = []
    for gp, pp, title in [("google-eq-d1-", "pretext-eq-d1-", "**Equivalence, dupe_factor 1** (8.5 MB slice of dev-en; verdict: Pretext's mean over its seeds inside Google's min–max over its seeds, widened by ±0.2 points for the 80/10/10 shares; z = difference of the means over its standard error, for information)"),
                          ("google-eq-d5-", "pretext-eq-d5-", "**Equivalence, dupe_factor 5** (same slice; for information — each run averages 5 copies, so Google's 5 runs span a narrow range and the range rule is strict; see z)")]:
        t = equivalence_table(r, gp, pp, title)
        if t:
            out += t[0]
            if "dupe_factor 1" in title:
                verdicts_all += [(title.split("**")[1] + ": " + l, ok) for l, ok in t[1]]

    g1runs = [v for k, v in r.items() if k.startswith("google-eq-d1-") and "masked_if_budget_on_content" in v]
    p1runs = [derived(v) for k, v in r.items() if k.startswith("pretext-eq-d1-")]
    if g1runs and p1runs:
        actual = statistics.mean(derived(v)["masked_share"] for v in g1runs)
        cf = statistics.mean(100.0 * v["masked_if_budget_on_content"] / (v["instance_tokens"] - 3 * v["instances"]) for v in g1runs)
        out += ["", "Masking budget: Google's script predicts `round(len(tokens) · 0.15)` positions with [CLS] and both [SEP] "
                "counted in `len(tokens)`, and so does Pretext by default (`masking.budget = \"sequence\"`). Counted over the "
                "content tokens only (`masking.budget = \"maskable\"`), Google's own instances would get %.3f%% instead of %.3f%% "
                "(dupe 1, mean of %d seeds): the same 19 predictions for a full 128-token instance, one fewer for many shorter ones. "
                "Pretext measures %.3f%%."
                % (cf, actual, len(g1runs), statistics.mean(x["masked_share"] for x in p1runs))]
        stats_share = statistics.mean(v["stats_s"] / v["wall_s"] for v in g1runs)
        out += ["", "Google's side spends %.1f%% of its wall time in the stub writer's counting (included in its times)." % (100 * stats_share)]

    # Whole-word masking: per-token shares and words whose pieces came out differently.
    gw, pw, words = r.get("google-wwm-d1-s1"), r.get("pretext-wwm-d1-s1"), r.get("pretext-wwm-words")
    if gw and pw:
        g, p = derived(gw), derived(pw)
        out += ["", "**Whole-word masking** (not used by bert-nsp.toml; `--do_whole_word_mask=True` / `--set masking.strategy=whole-word`, dupe 1, seed 1)", "",
                "| | masked share of content, % | → [MASK], % | → random, % | → kept, % | masked words of ≥ 2 pieces | … of them mixed (pieces decided differently) |",
                "|---|---|---|---|---|---|---|"]
        gm = gw.get("multi_piece_masked_words", 0)
        out.append("| Google | %.3f | %.2f | %.2f | %.2f | %d | %d (%.1f%%) |" % (g["masked_share"], g["mask_share"], g["random_share"], g["kept_share"],
                                                                          gm, gw.get("mixed_words", 0), 100.0 * gw.get("mixed_words", 0) / max(1, gm)))
        if words:
            wm = words["multi_piece_masked_words"]
            out.append("| Pretext | %.3f | %.2f | %.2f | %.2f | %d in %d sampled records | %d (%.1f%%) |" % (
                p["masked_share"], p["mask_share"], p["random_share"], p["kept_share"], wm, words["records"],
                words["mixed_words"], 100.0 * words["mixed_words"] / max(1, wm)))

    # Speed on the equivalence slice.
    def best(prefix):
        runs = [v for k, v in r.items() if k.startswith(prefix)]
        return min(runs, key=lambda v: v["wall_s"]) if runs else None, len(runs)

    def median_run(prefix):
        runs = sorted((v for k, v in r.items() if k.startswith(prefix)), key=lambda v: v["wall_s"])
        return runs[len(runs) // 2] if runs else None, len(runs)

    rows = []
    # Google's runs made in the speed rounds, beside Pretext's (seed 1 each time); without
    # them (an older results folder), its equivalence runs over seeds.
    side_by_side = any(k.startswith("google-speed-d1-") for k in r)
    g1, n1 = median_run("google-speed-d1-" if side_by_side else "google-eq-d1-")
    g5, n5 = median_run("google-speed-d5-" if side_by_side else "google-eq-d5-")
    g1f, _ = best("google-speed-d1-" if side_by_side else "google-eq-d1-")
    g5f, _ = best("google-speed-d5-" if side_by_side else "google-eq-d5-")
    runs_of = "rounds" if side_by_side else "seeds"
    p11, k11 = median_run("pretext-speed-d1-p1-")
    u11, _ = median_run("pretext-speed-d1-u1-")
    p12, k12 = median_run("pretext-speed-d1-t2-")
    p51, k51 = median_run("pretext-speed-d5-p1-")
    u51, _ = median_run("pretext-speed-d5-u1-")
    p52, k52 = median_run("pretext-speed-d5-t2-")
    out += ["", "**Speed and memory on the 8.5 MB slice** (wall and CPU seconds, MB/s of input text, peak RSS from `/usr/bin/time -f \"%e %U %S %M\"`; "
            + ("medians of %d interleaved rounds, each with one run of Google's script (seed 1) and %d runs of each Pretext variant" % (n1, k11 // max(1, n1))
               if side_by_side else "medians of %d runs" % k11)
            + "; one core = `--threads 1` under `taskset -c 0`)", "",
            "| run | dupe | wall s | CPU s (user+sys) | MB/s | peak RSS MB | instances |", "|---|---|---|---|---|---|---|"]
    for label, v, dupe in [("Google, median of %d %s" % (n1, runs_of), g1, 1), ("Google, fastest of %d %s" % (n1, runs_of), g1f, 1),
                           ("Pretext one thread on one core", p11, 1), ("Pretext `--threads 1` without taskset", u11, 1),
                           ("Pretext `--threads 2`", p12, 1),
                           ("Google, median of %d %s" % (n5, runs_of), g5, 5), ("Google, fastest of %d %s" % (n5, runs_of), g5f, 5),
                           ("Pretext one thread on one core", p51, 5), ("Pretext `--threads 1` without taskset", u51, 5),
                           ("Pretext `--threads 2`", p52, 5)]:
        if v:
            out.append("| %s | %d | %.2f | %.2f | %.2f | %.0f | %d |" % (label, dupe, v["wall_s"], v["user_s"] + v["sys_s"],
                                                                      mb(v["input_bytes"]) / v["wall_s"], v["rss_kb"] / 1024, v["instances"]))
    out += ["", "| ratio | wall | CPU | wall, against Google's fastest run | target |", "|---|---|---|---|---|"]

    def ratio(label, a, b, target, b_fast=None, verdict=True):
        if a and b:
            w = b["wall_s"] / a["wall_s"]
            c = (b["user_s"] + b["sys_s"]) / (a["user_s"] + a["sys_s"])
            f = "%.1f×" % (b_fast["wall_s"] / a["wall_s"]) if b_fast else "–"
            goal = ("≥ %g× → %s" % (target, "met" if w >= target else "MISSED")) if verdict else "(for information)"
            out.append("| %s | %.2f× | %.2f× | %s | %s |" % (label, w, c, f, goal))
            if verdict:
                verdicts_all.append(("%s ≥ %g× (wall %.2f×)" % (label, target, w), w >= target))

    ratio("Pretext one thread (one core) vs Google, dupe 1", p11, g1, 50, g1f)
    ratio("Pretext one thread (one core) vs Google, dupe 5", p51, g5, 50, g5f)
    ratio("Pretext 2 threads vs one core, dupe 1, 8.5 MB", p12, p11, 1.8, verdict=False)
    ratio("Pretext 2 threads vs one core, dupe 5, 8.5 MB", p52, p51, 1.8, verdict=False)
    ratio("Pretext 2 threads vs `--threads 1` without taskset, dupe 1, 8.5 MB", p12, u11, 1.8, verdict=False)

    # Scaling where the fixed start-up (process, tokenizer, catalog: about 0.03 s) is amortized.
    out += ["", "**Two threads against one core as the input grows** (dupe 1; medians of the runs of interleaved rounds; "
            "the one-core run is `--threads 1` under `taskset -c 0`)", "",
            "| input | runs each | one core s | `--threads 1` without taskset s | `--threads 2` s | 2 threads vs one core | 2 threads vs without taskset | host steal s, one core / 2 threads | target |",
            "|---|---|---|---|---|---|---|---|---|"]
    for size in ("50MB", "100MB", "200MB"):
        a, n = median_run("pretext-big-%s-d1-p1-" % size)
        u, _ = median_run("pretext-big-%s-d1-u1-" % size)
        t, _ = median_run("pretext-big-%s-d1-t2-" % size)
        if a and u and t:
            w = a["wall_s"] / t["wall_s"]
            stolen = "%s / %s" % tuple("%.2f" % statistics.median(v.get("steal_s", 0) for k, v in r.items()
                                                                   if k.startswith("pretext-big-%s-d1-%s-" % (size, tag))) for tag in ("p1", "t2"))
            out.append("| %.0f MB | %d | %.2f | %.2f | %.2f | %.2f× | %.2f× | %s | ≥ 1.8× → %s |" % (
                mb(a["input_bytes"]), n, a["wall_s"], u["wall_s"], t["wall_s"], w, u["wall_s"] / t["wall_s"], stolen, "met" if w >= 1.8 else "MISSED"))
            verdicts_all.append(("Pretext 2 threads vs one core on %.0f MB ≥ 1.8× (wall %.2f×)" % (mb(a["input_bytes"]), w), w >= 1.8))

    # Memory as the input grows.
    out += ["", "**Peak memory as the input grows** (dupe 1)", "",
            "| run | input MB | documents | wall s | MB/s | peak RSS MB (`%M`) | anonymous MB | mapped files MB |", "|---|---|---|---|---|---|---|---|"]
    grow = []
    for name in ["google-size-2MB-d1", "google-size-4MB-d1"]:
        if name in r:
            grow.append(("Google", r[name]))
    if g1:
        grow.append(("Google (seed median)", g1))
    if "google-size-50MB-d1" in r:
        grow.append(("Google", r["google-size-50MB-d1"]))
    pt = {1: [], 2: []}
    for t, tag in ((1, "p1"), (2, "t2")):
        base = median_run("pretext-speed-d1-%s-" % tag)[0]
        if base:
            pt[t].append(base)
        for size in ("50MB", "100MB", "200MB"):
            v = median_run("pretext-big-%s-d1-%s-" % (size, tag))[0]
            if v:
                pt[t].append(v)
    for label, v in grow + [("Pretext --threads 1", v) for v in pt[1]] + [("Pretext --threads 2", v) for v in pt[2]]:
        anon = "%.0f" % (v["anon_peak_kb"] / 1024) if "anon_peak_kb" in v else "–"
        fil = "%.0f" % (v["file_peak_kb"] / 1024) if "file_peak_kb" in v else "–"
        out.append("| %s | %.1f | %d | %.2f | %.2f | %.0f | %s | %s |" % (label, mb(v["input_bytes"]), v["documents"], v["wall_s"],
                                                                         mb(v["input_bytes"]) / v["wall_s"], v["rss_kb"] / 1024, anon, fil))
    skipped = r.get("google-size-50MB-skipped")
    if skipped:
        out.append("")
        out.append("Google on 50 MB: not run — projected %.0f s from the 8.5 MB runs (limit %s s)." % (skipped["projected_s"], os.environ.get("GOOGLE_LIMIT_S", "600")))
    if len(grow) >= 2:
        a, b = grow[0][1], grow[-1][1]
        out.append("")
        out.append("Google's peak RSS grows %.0f MB → %.0f MB from %.1f to %.1f MB of input (%.0f MB of RSS per MB of text)." % (
            a["rss_kb"] / 1024, b["rss_kb"] / 1024, mb(a["input_bytes"]), mb(b["input_bytes"]),
            (b["rss_kb"] - a["rss_kb"]) / 1024 / (mb(b["input_bytes"]) - mb(a["input_bytes"]))))
    for t in (1, 2):
        series = [v for v in pt[t] if v["input"].startswith("big-")]
        if len(series) >= 2:
            a, b = series[0], series[-1]
            growth = (b["rss_kb"] - a["rss_kb"]) / a["rss_kb"]
            ok = b["rss_kb"] <= 1.25 * a["rss_kb"]
            out.append("Pretext --threads %d: peak RSS %.0f MB at %.1f MB → %.0f MB at %.1f MB of input (%+.0f%% for %.0f× the input) → %s." % (
                t, a["rss_kb"] / 1024, mb(a["input_bytes"]), b["rss_kb"] / 1024, mb(b["input_bytes"]), 100 * growth,
                b["input_bytes"] / a["input_bytes"], "flat" if ok else "NOT flat"))
            verdicts_all.append(("Pretext --threads %d peak RSS (`%%M`) flat (≤ +25%%) from %.1f to %.1f MB" % (t, mb(a["input_bytes"]), mb(b["input_bytes"])), ok))
            if "anon_peak_kb" in a and "anon_peak_kb" in b:
                ga = (b["anon_peak_kb"] - a["anon_peak_kb"]) / a["anon_peak_kb"]
                oka = b["anon_peak_kb"] <= 1.25 * a["anon_peak_kb"]
                out.append("  anonymous memory (heap, stacks): %.0f MB → %.0f MB (%+.0f%%) → %s; mapped files (store and shards, clean page cache): %.0f MB → %.0f MB." % (
                    a["anon_peak_kb"] / 1024, b["anon_peak_kb"] / 1024, 100 * ga, "flat" if oka else "NOT flat",
                    a["file_peak_kb"] / 1024, b["file_peak_kb"] / 1024))
                verdicts_all.append(("Pretext --threads %d anonymous memory flat (≤ +25%%) from %.1f to %.1f MB" % (t, mb(a["input_bytes"]), mb(b["input_bytes"])), oka))

    out += ["", "**Verdicts**", ""]
    for label, ok in verdicts_all:
        out.append("- %s: %s" % (label, "met" if ok else "MISSED"))
    loads = sorted(set(round(v.get("load_after", 0), 1) for v in r.values() if isinstance(v, dict) and "load_after" in v))
    if loads:
        out.append("")
        out.append("1-minute load average right after the runs: %.1f – %.1f (2 cores)." % (loads[0], loads[-1]))
    print("\n".join(out))


def main():
    cmd = sys.argv[1]
    if cmd == "attach-time":
        attach_time(*sys.argv[2:6])
    elif cmd == "project":
        project(sys.argv[2], sys.argv[3])
    elif cmd == "report":
        report(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
