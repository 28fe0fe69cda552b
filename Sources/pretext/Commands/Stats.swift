import ArgumentParser
import PretextCore
import PretextShards

/// `pretext stats`: the statistics a build recorded in its catalog.
struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show the statistics of a shard folder: documents, tokens, UNK rate, instances, labels, masking, lengths.",
        discussion: """
            Reads catalog.sqlite: corpus counts (documents, sentences, tokens, UNK rate, input
            problems), instances per task, label balance, truncation, realised mask rate and
            80/10/10 shares, and the histogram of instance lengths (buckets of 16 tokens).

            Examples:
              pretext stats shards/bert-nsp
              pretext stats shards/bert-nsp --json
            """)

    @Argument(help: "A shard folder (with catalog.sqlite).")
    var folder: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let catalog = try Catalog(folder: folder)
        guard let run = try catalog.runs().last else { throw ValidationError("\(folder): the catalog holds no run") }
        let stats = try catalog.statistics(run: run.id)
        if json {
            var out = "{\"run\": \(run.id), \"status\": \"\(run.status.rawValue)\", \"seed\": \(run.seed), \"config_hash\": \"\(run.configHash)\""
            for s in stats { out += ", \"\(s.name)\": \(jsonNumber(s.value))" }
            print(out + "}")
            return
        }
        print("\(folder): run \(run.id) (\(run.status.rawValue)), seed \(run.seed), config \(run.configHash)")
        let lengths = stats.filter { $0.name.hasPrefix("length_") }
        for s in stats where !s.name.hasPrefix("length_") {
            let shown = s.name.hasSuffix("_rate") || s.name.hasSuffix("_share") ? String(format4(s.value * 100)) + "%" : formatNumber(s.value)
            print("  \(s.name.padding(32)) \(shown)")
        }
        if !lengths.isEmpty {
            print("  instance lengths:")
            let most = lengths.map(\.value).max() ?? 1
            for l in lengths {
                let upper = Int(l.name.dropFirst("length_".count)) ?? 0
                let bar = String(repeating: "#", count: max(1, Int(40 * l.value / most)))
                print("    \(String(upper - 15).padding(5, left: true))–\(String(upper).padding(5)) \(formatNumber(l.value).padding(10, left: true)) \(bar)")
            }
        }
    }

    private func jsonNumber(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
    private func format4(_ v: Double) -> Double { (v * 100).rounded() / 100 }
}

extension String {
    func padding(_ width: Int, left: Bool = false) -> String {
        count >= width ? self : (left ? String(repeating: " ", count: width - count) + self : self + String(repeating: " ", count: width - count))
    }
}
