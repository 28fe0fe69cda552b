import Foundation

/// The self-contained HTML page of a build (and optionally training runs): inline CSS and SVG,
/// no script, no network. Sections: overview, inputs, tokenization, instances, masking,
/// examples, shards, training runs.
public enum ReportPage {
    public static func html(build: BuildReport, runs: [RunReport]) -> String {
        var body = overview(build)
        body += inputs(build)
        body += tokenization(build)
        body += instances(build)
        if build.task != "causal" { body += masking(build) }
        body += examples(build)
        body += shards(build)
        if !runs.isEmpty { body += training(runs) }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Pretext report: \(HTML.escape(build.folder))</title>
            <style>\(css)</style>
            </head>
            <body>
            <header><h1>Pretext report</h1><p class="sub">\(HTML.escape(build.folder)) · run \(build.runID) (\(HTML.escape(build.status))) · task \(HTML.escape(build.task)) · seed \(build.seed)</p></header>
            <main>
            \(body)
            </main>
            <footer>Made by <code>pretext report</code>. Whole-build figures come from the catalog; sampled figures from the first \(build.sampledBatches) batches of \(build.batchSize) of epoch 0 as the loader yields them (\(build.sampledRows) sequences).</footer>
            </body>
            </html>

            """
    }

    static let css = """
        body{font-family:system-ui,"Noto Sans","Noto Sans CJK KR","Noto Sans CJK SC",sans-serif;margin:0;color:#222;background:#f6f7f9}
        header{background:#1d2b3a;color:#fff;padding:14px 28px}h1{margin:0;font-size:22px}.sub{margin:4px 0 0;color:#cdd6e0;font-size:13px}
        main{padding:8px 28px;max-width:1240px}section{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:16px 0;padding:10px 18px}
        h2{font-size:17px;margin:6px 0 10px}.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #e3e6ea;border-radius:5px;padding:8px 12px;min-width:120px}
        .card b{display:block;font-size:18px}.card span{font-size:12px;color:#555}.charts{display:flex;flex-wrap:wrap;gap:12px}
        svg.chart{width:560px;max-width:100%;height:auto;background:#fff;border:1px solid #eceef1}.chart-title{font-size:14px;font-weight:600}
        .axis{font-size:12px;fill:#333}.tick{font-size:10.5px;fill:#555}.legend{font-size:11px;fill:#333}
        table{border-collapse:collapse;font-size:13px;margin:6px 0}td,th{border-bottom:1px solid #e6e8eb;padding:3px 10px;text-align:right}
        td:first-child,th:first-child{text-align:left}th{background:#f0f2f5}.note{font-size:12.5px;color:#555}
        .example{overflow-wrap:anywhere;font-family:ui-monospace,"Noto Sans Mono","Noto Sans Mono CJK KR",monospace;font-size:12.5px;line-height:1.9;margin:8px 0;padding:6px 8px;border-left:3px solid #c8d0da}
        .tok{padding:1px 2px;margin:0 1px;border-radius:3px}.seg-b{background:#eef5ec}.masked{background:#ffd54f;outline:1px solid #c79a00}
        .masked sub{color:#7a4f00;font-size:10px;margin-left:2px}.pair{font-size:12px;color:#555;margin-right:6px}footer{font-size:12px;color:#666;padding:10px 28px 24px}
        """

    static func card(_ value: String, _ label: String) -> String { "<div class=\"card\"><b>\(HTML.escape(value))</b><span>\(HTML.escape(label))</span></div>" }
    static func n(_ v: Double?) -> String { v.map(Chart.number) ?? "–" }
    static func percent(_ v: Double?) -> String { v.map { String(format: "%.2f%%", $0 * 100) } ?? "–" }
    static func bytes(_ v: UInt64) -> String {
        let d = Double(v)
        if d >= 1e9 { return String(format: "%.2f GB", d / 1e9) }
        if d >= 1e6 { return String(format: "%.2f MB", d / 1e6) }
        if d >= 1e3 { return String(format: "%.1f KB", d / 1e3) }
        return "\(v) B"
    }

    static func overview(_ b: BuildReport) -> String {
        let s = b.statistics
        let totalBytes = b.shards.reduce(0) { $0 + $1.bytes }
        return "<section id=\"overview\"><h2>Overview</h2><div class=\"cards\">"
            + card(n(s["documents"]), "documents") + card(n(s["sentences"]), "sentences") + card(n(s["tokens"]), "corpus tokens")
            + card(n(s["instances"]), "instances") + card(n(s["instance_tokens"]), "instance tokens") + card(percent(s["unk_rate"]), "UNK rate")
            + card("\(b.shards.count)", "shard files") + card(bytes(totalBytes), "shard bytes") + "</div></section>\n"
    }

    static func inputs(_ b: BuildReport) -> String {
        var out = "<section id=\"inputs\"><h2>Inputs</h2><table><tr><th>input</th><th>bytes</th><th>documents</th><th>status</th><th>skipped or repaired (by reason)</th></tr>"
        for i in b.inputs {
            let problems = i.problems.isEmpty ? "none" : i.problems.map { "\($0.0.dropFirst("input_".count).replacingOccurrences(of: "_", with: " ")): \(Chart.number($0.1))" }.joined(separator: ", ")
            out += "<tr><td>\(HTML.escape(i.path))</td><td>\(bytes(i.bytes))</td><td>\(Chart.number(Double(i.documents)))</td><td>\(HTML.escape(i.status))</td><td>\(HTML.escape(problems))</td></tr>"
        }
        out += "</table>"
        let reasons = b.statistics.filter { $0.key.hasPrefix("input_") && $0.key != "input_bytes" }.sorted { $0.key < $1.key }
        let bins = reasons.filter { $0.value > 0 }.map { (label: String($0.key.dropFirst("input_".count)).replacingOccurrences(of: "_", with: " "), value: $0.value) }
        if bins.isEmpty {
            out += "<p class=\"note\">No input problem: no invalid UTF-8, NUL, over-long line, BOM, CR LF, empty document or file, malformed JSON line, undecodable stream or skipped entry.</p>"
        } else {
            out += "<div class=\"charts\">" + Chart.bars(id: "input-problems", title: "Skipped and repaired input, by reason", xLabel: "reason",
                                                         yLabel: "count (lines, files, documents)", bins: bins) + "</div>"
        }
        out += "<p class=\"note\">Problems are counted per build unit and shown under the input holding most of the unit's bytes. Every skipped line is counted; documents around it are kept.</p></section>\n"
        return out
    }

    static func tokenization(_ b: BuildReport) -> String {
        let s = b.statistics
        var out = "<section id=\"tokenization\"><h2>Tokenization</h2><div class=\"cards\">"
            + card(percent(s["unk_rate"]), "UNK rate (of corpus tokens)") + card(n(s["unk_tokens"]), "UNK tokens")
            + card(b.tokensPerWord.map { String(format: "%.3f", $0) } ?? "–", "tokens per word (fertility, sampled)")
            + card(n(s["split_single_sentences"]), "over-long sentences split") + card(n(s["input_overlong_lines"]), "over-long lines")
            + "</div>"
        out += "<p class=\"note\">Fertility counts the non-special tokens of the sampled sequences per word start (a token that is not a continuation piece of the vocabulary). UNK counts are over the whole corpus.</p></section>\n"
        return out
    }

    /// A histogram of `values` in bins of `width` from 0 up to `limit` (inclusive upper bounds).
    static func histogram(_ values: [Int], width: Int, limit: Int) -> [(label: String, value: Double)] {
        let bins = max(1, (max(limit, values.max() ?? 0) + width - 1) / width)
        var counts = [Double](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, max(0, (v - 1) / width))] += 1 }
        return counts.enumerated().map { ("\($0.offset * width + 1)–\(($0.offset + 1) * width)", $0.element) }
    }

    static func instances(_ b: BuildReport) -> String {
        let s = b.statistics
        let waste = b.paddedTokens > 0 ? 1 - Double(b.realTokens) / Double(b.paddedTokens) : nil
        var out = "<section id=\"instances\"><h2>Instances</h2><div class=\"cards\">"
            + card(n(s["instances"]), "instances") + card(n(s["mean_instance_tokens"]), "mean tokens per instance")
            + card("\(b.maxLength)", "maximum length (tokens)") + card(percent(s["truncated_share"]), "truncated")
            + card(percent(s["full_length_share"]), "at full length") + card(percent(waste), "padding waste (batches of \(b.batchSize), sampled)")
        if s["label_1"] != nil, let one = s["label_1_share"] { out += card(percent(one), "pair label 1 (random / swapped)") }
        if let single = s["single_segment_share"] {
            out += card(percent(single), "single-segment draws (ELECTRA)") + card(percent(s["short_target_share"]), "short targets (ELECTRA)")
                + card(percent(s["without_segment_b_share"]), "without segment B")
        }
        out += "</div><div class=\"charts\">"
        let buckets = b.lengthBuckets
        if !buckets.isEmpty {
            let bins = buckets.map { (label: "\($0.upper - 15)–\($0.upper)", value: $0.count) }
            let last = buckets.lastIndex { $0.upper <= b.maxLength } ?? (bins.count - 1)
            out += Chart.bars(id: "lengths", title: "Instance lengths (whole build)", xLabel: "tokens per instance", yLabel: "instances",
                              bins: bins, marker: (last, "max \(b.maxLength)"))
        }
        if let zero = s["label_0"], let one = s["label_1"] {
            let names = b.task == "sop" ? ("0: in order", "1: swapped") : ("0: is next", "1: random next")
            out += Chart.bars(id: "pair-labels", title: "Pair labels (whole build)", xLabel: "label", yLabel: "instances",
                              bins: [(names.0, zero), (names.1, one)])
        }
        if !b.segmentALengths.isEmpty {
            out += Chart.bars(id: "segment-a", title: "Segment A lengths (sampled)", xLabel: "tokens", yLabel: "sequences",
                              bins: histogram(b.segmentALengths, width: 16, limit: b.maxLength))
            out += Chart.bars(id: "segment-b", title: "Segment B lengths (sampled)", xLabel: "tokens", yLabel: "sequences",
                              bins: histogram(b.segmentBLengths, width: 16, limit: b.maxLength))
        }
        return out + "</div></section>\n"
    }

    static func masking(_ b: BuildReport) -> String {
        let s = b.statistics
        var out = "<section id=\"masking\"><h2>Masking</h2><div class=\"cards\">"
        let sampledShare = b.realTokens > 0 ? Double(b.predicted) / Double(b.realTokens) : nil
        // Static masks are counted by the build; dynamic masks are drawn by the loader (sampled).
        let stored = (s["masked_tokens"] ?? 0) > 0
        out += card(percent(stored ? s["mask_rate"] : sampledShare), stored ? "masked share (whole build)" : "masked share (dynamic, sampled)")
        out += card(n(Double(b.predicted)), "predicted positions (sampled)") + "</div><div class=\"charts\">"
        let total = Double(max(1, b.predicted))
        out += Chart.bars(id: "mask-mix", title: "What masked positions hold (sampled)", xLabel: "replacement", yLabel: "share of predicted positions (%)",
                          bins: [("[MASK]", 100 * Double(b.predictedAsMask) / total), ("random id", 100 * Double(b.predictedAsRandom) / total),
                                 ("kept", 100 * Double(b.predictedAsKept) / total)])
        if !b.maskedRunLengths.isEmpty {
            let longest = min(12, b.maskedRunLengths.max() ?? 1)
            var counts = [Double](repeating: 0, count: longest)
            for r in b.maskedRunLengths { counts[min(longest, r) - 1] += 1 }
            let bins = counts.enumerated().map { (label: $0.offset + 1 == longest && longest == 12 ? "12+" : "\($0.offset + 1)", value: $0.element) }
            out += Chart.bars(id: "mask-units", title: "Masked unit lengths (sampled)", xLabel: "consecutive masked tokens", yLabel: "units", bins: bins)
        }
        out += "</div><p class=\"note\">A masked unit is a run of consecutive predicted positions: a token, a whole word, an n-gram or a span (adjacent units count as one).</p></section>\n"
        return out
    }

    static func examples(_ b: BuildReport) -> String {
        var out = "<section id=\"examples\"><h2>Example records</h2><p class=\"note\">The first sequences of epoch 0 as the loader yields them. "
        out += b.task == "causal" ? "Causal blocks: every token predicts the next one." : "Highlighted: predicted positions, with the original token in small print; green: segment B."
        out += "</p>"
        for e in b.examples {
            out += "<div class=\"example\"><span class=\"pair\">record \(e.index)\(e.pairLabel == -100 ? "" : " · pair label \(e.pairLabel)")</span>"
            for t in e.tokens {
                var classes = "tok"
                if t.segmentB { classes += " seg-b" }
                if t.label != nil { classes += " masked" }
                let label = t.label.map { "<sub>\(HTML.escape($0))</sub>" } ?? ""
                out += "<span class=\"\(classes)\">\(HTML.escape(t.text))\(label)</span> "
            }
            out += "</div>"
        }
        return out + "</section>\n"
    }

    static func shards(_ b: BuildReport) -> String {
        let compressed = b.shards.reduce(0) { $0 + $1.compressed }, raw = b.shards.reduce(0) { $0 + $1.uncompressed }
        var out = "<section id=\"shards\"><h2>Shards</h2><div class=\"cards\">" + card("\(b.shards.count)", "files")
            + card(bytes(b.shards.reduce(0) { $0 + $1.bytes }), "bytes on disk") + card("\(b.shards.reduce(0) { $0 + $1.blocks })", "blocks")
            + card(compressed > 0 ? String(format: "%.2f×", Double(raw) / Double(compressed)) : "–", "LZ4 compression ratio")
        if let v = b.verification {
            out += card(v.isClean ? "all \(v.blocksChecked) ok" : "\(v.problems.count) problems", "block checksums verified (XXH64)")
        } else {
            out += card("not checked", "block checksums (run without --no-verify)")
        }
        out += "</div><table><tr><th>file</th><th>records</th><th>tokens</th><th>bytes</th><th>blocks</th><th>ratio</th></tr>"
        for s in b.shards.prefix(200) {
            out += "<tr><td>\(HTML.escape(s.file))</td><td>\(Chart.number(Double(s.records)))</td><td>\(Chart.number(Double(s.tokens)))</td><td>\(bytes(s.bytes))</td><td>\(s.blocks)</td><td>\(s.compressed > 0 ? String(format: "%.2f×", Double(s.uncompressed) / Double(s.compressed)) : "–")</td></tr>"
        }
        out += "</table>"
        if b.shards.count > 200 { out += "<p class=\"note\">The first 200 of \(b.shards.count) files.</p>" }
        if let v = b.verification, !v.isClean {
            out += "<ul>" + v.problems.prefix(20).map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>"
        }
        return out + "</section>\n"
    }

    static func training(_ runs: [RunReport]) -> String {
        func series(_ key: String, suffix: Bool) -> [Chart.Series] {
            runs.compactMap { r in r.series[key].map { Chart.Series(name: suffix ? "\(r.name) \(key.replacingOccurrences(of: "_", with: " "))" : r.name, points: $0) } }
        }
        var out = "<section id=\"training\"><h2>Training runs</h2><table><tr><th>run</th><th>steps</th><th>last loss</th><th>last MLM accuracy</th></tr>"
        for r in runs {
            out += "<tr><td>\(HTML.escape(r.name))</td><td>\(r.steps)</td><td>\(n(r.series["loss"]?.last?.1))</td><td>\(percent(r.series["mlm_accuracy"]?.last?.1))</td></tr>"
        }
        out += "</table><div class=\"charts\">"
        out += Chart.lines(id: "loss", title: "Loss", xLabel: "step", yLabel: "loss (nats per prediction)", series: series("loss", suffix: false))
        let parts = series("mlm_loss", suffix: true) + series("pair_loss", suffix: true) + series("rtd_loss", suffix: true)
        if !parts.isEmpty {
            out += Chart.lines(id: "loss-parts", title: "MLM, pair, LM and ELECTRA's RTD losses", xLabel: "step", yLabel: "loss (nats)", series: parts)
        }
        let accuracy = series("mlm_accuracy", suffix: true) + series("pair_accuracy", suffix: true)
            + series("rtd_accuracy", suffix: true) + series("rtd_baseline_accuracy", suffix: true)
        if !accuracy.isEmpty {
            out += Chart.lines(id: "accuracy", title: "Accuracy", xLabel: "step", yLabel: "accuracy (fraction)",
                               series: accuracy, yFromZero: true)
        }
        out += Chart.lines(id: "learning-rate", title: "Learning rate", xLabel: "step", yLabel: "learning rate", series: series("lr", suffix: false), yFromZero: true)
        out += Chart.lines(id: "throughput", title: "Throughput", xLabel: "step", yLabel: "tokens per second", series: series("tokens_per_s", suffix: false), yFromZero: true)
        return out + "</div></section>\n"
    }
}
