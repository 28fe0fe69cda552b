import Foundation
import PretextTestSupport
import Testing

/// `pipelines/electra.toml` through the commands that read a build: segments without pair
/// labels in `stats`, `inspect`, `batches` and `report`.
@Suite(.serialized) struct ElectraCommandTests {
    @Test func commandsShowSegmentsWithoutPairLabels() throws {
        let root = try TemporaryFolder.shared.folder(named: "cli-electra")
        let shards = root + "/shards", vocab = "pipelines/vocab/wordpiece-8k/tokenizer.json"
        let build = try CLI.run(["build", "pipelines/electra.toml", "--output", shards, "--threads", "2"])
        #expect(build.status == 0, "\(build.output)")

        let stats = try CLI.run(["stats", shards])
        #expect(stats.status == 0, "\(stats.output)")
        for name in ["single_segment_share", "short_target_share", "without_segment_b_share", "examples_without_segment_b"] {
            #expect(stats.output.contains(name), "stats lacks \(name)")
        }
        #expect(!stats.output.contains("label_0"))

        let file = try CLI.run(["inspect", shards + "/part-00000-00000.ptxs"])
        #expect(file.status == 0, "\(file.output)")
        #expect(file.output.contains("format 1.1"))
        #expect(file.output.contains("schema: tokens: u16[], segment_boundary: u32, input_ordinal: u32, document_ordinal: u64"))
        let record = try CLI.run(["inspect", shards, "--record", "0", "--vocab", vocab])
        #expect(record.status == 0, "\(record.output)")
        #expect(record.output.contains("segment_boundary: ") && !record.output.contains("pair_label"))

        let batches = try CLI.run(["batches", shards, "--count", "2", "--batch-size", "4", "--json"])
        #expect(batches.status == 0, "\(batches.output)")
        let rows = batches.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(rows.count == 8)
        for row in rows {
            #expect(row["pair_label"] as? Int == -100)
            let types = row["token_type_ids"] as? [Int] ?? []
            // 0s, then possibly 1s to the end: [CLS] A [SEP] (B [SEP]).
            #expect(types.first == 0 && zip(types, types.dropFirst()).allSatisfy { $0 <= $1 })
        }
        let text = try CLI.run(["batches", shards, "--count", "1", "--batch-size", "2", "--vocab", vocab])
        #expect(text.status == 0 && text.output.contains("[MASK]") && !text.output.contains(" pair "), "\(text.output)")

        let page = root + "/report.html"
        let report = try CLI.run(["report", shards, "--output", page, "--sample-batches", "2", "--vocab", vocab])
        #expect(report.status == 0, "\(report.output)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("single-segment draws (ELECTRA)") && html.contains("Segment B lengths"))
        #expect(!html.contains("pair label"))
    }
}
