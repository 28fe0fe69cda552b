/// Named counters a build unit produces; summed over units, then turned into the rates and
/// shares `pretext stats` shows.
///
/// Counters are plain sums (documents, tokens, instances, …) so the statistics of a build
/// split over tasks and merged equal those of one run. `lengthHistogram` counts instances by
/// total length in buckets of 16 tokens (`length_0016` holds 1–16, …).
public struct BuildStatistics: Sendable, Equatable {
    public private(set) var counters: [String: Double] = [:]

    public init() {}

    public init(_ pairs: [(String, Double)]) { for (k, v) in pairs { counters[k, default: 0] += v } }

    public mutating func add(_ name: String, _ value: Double = 1) { counters[name, default: 0] += value }

    public subscript(_ name: String) -> Double { counters[name] ?? 0 }

    public static func += (a: inout BuildStatistics, b: BuildStatistics) {
        for (k, v) in b.counters { a.counters[k, default: 0] += v }
    }

    public mutating func addLength(_ length: Int, count: Int = 1) {
        let bucket = max(1, (length + 15) / 16) * 16
        let s = String(bucket)
        add("length_" + String(repeating: "0", count: max(0, 4 - s.count)) + s, Double(count))
    }

    public var pairs: [(String, Double)] { counters.keys.sorted().map { ($0, counters[$0]!) } }

    /// Counters plus derived rates: UNK rate, realised mask rate, 80/10/10 shares, label share,
    /// and ELECTRA's single-segment, short-target and no-B shares.
    public var withDerivedValues: [(String, Double)] {
        var out = counters
        func ratio(_ a: String, _ b: String) -> Double? { self[b] > 0 ? self[a] / self[b] : nil }
        out["unk_rate"] = ratio("unk_tokens", "tokens")
        out["mask_rate"] = ratio("masked_tokens", "maskable_tokens")
        out["masked_as_mask_share"] = ratio("masked_as_mask", "masked_tokens")
        out["masked_as_random_share"] = ratio("masked_as_random", "masked_tokens")
        out["masked_as_kept_share"] = ratio("masked_as_kept", "masked_tokens")
        out["label_1_share"] = ratio("label_1", "instances")
        out["truncated_share"] = ratio("truncated_instances", "instances")
        out["full_length_share"] = ratio("full_length_instances", "instances")
        out["mean_instance_tokens"] = ratio("instance_tokens", "instances")
        out["instances_per_document"] = ratio("instances", "documents")
        // ELECTRA's draws, where the build made ELECTRA examples.
        if counters["single_segment_examples"] != nil {
            out["single_segment_share"] = ratio("single_segment_examples", "instances")
            out["short_target_share"] = ratio("short_target_examples", "instances")
            out["without_segment_b_share"] = ratio("examples_without_segment_b", "instances")
        }
        return out.keys.sorted().compactMap { k in out[k].map { (k, $0) } }
    }
}
