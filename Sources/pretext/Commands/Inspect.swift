import ArgumentParser
import PretextCore
import PretextShards
import PretextText

/// `pretext inspect`: what a shard or shard folder holds.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the header, schema and record/token counts of a shard file or shard folder.",
        discussion: """
            Given a folder, lists the catalog's runs and shards with totals; given one .ptxs
            file, shows its header, schema and block statistics. --record N prints one record
            (numbered across the folder, or within the file); with --vocab the token ids are
            also shown as tokens.

            Examples:
              pretext inspect shards/sample
              pretext inspect shards/sample/part-00000.ptxs
              pretext inspect shards/sample --record 3 --vocab shards/sample/vocab.txt
              pretext inspect shards/bert-nsp --record 0 --vocab pipelines/vocab/wordpiece-8k/tokenizer.json
              pretext inspect shards/bert-nsp --catalog-content > a.txt   # diff two builds' catalogs
            """)

    @Argument(help: "A shard folder (with catalog.sqlite) or one shard file.")
    var target: String

    @Option(help: "Print record N (0-based).")
    var record: UInt64?

    @Option(help: "A vocab.txt (one token per line) or a tokenizer.json to decode token ids with.")
    var vocab: String?

    @Flag(help: "Print the catalog's content without times and row ids (runs, inputs, shards, units, statistics): equal for two builds of the same bytes.")
    var catalogContent = false

    func run() throws {
        let vocabulary = try vocab.map(decodingVocabulary)
        if catalogContent {
            print(try Catalog(folder: target).contentText(), terminator: "")
            return
        }
        if PosixFile.isDirectory(target) {
            let set = try ShardSet(folder: target)
            if let record {
                guard record < set.recordCount else {
                    throw ValidationError("record \(record) is out of range: the set holds \(set.recordCount) records")
                }
                let s = (0..<set.shards.count).last { set.shardStart[$0] <= record }!
                let reader = try set.openShard(s)
                print("record \(record) (\(set.shards[s].file) record \(record - set.shardStart[s]))")
                printRecord(try reader.record(record - set.shardStart[s]), vocabulary)
                return
            }
            try describeFolder(set)
        } else {
            let reader = try ShardReader(path: target)
            if let record {
                guard record < reader.recordCount else {
                    throw ValidationError("record \(record) is out of range: the shard holds \(reader.recordCount) records")
                }
                printRecord(try reader.record(record), vocabulary)
                return
            }
            describeShard(reader)
        }
    }

    private func describeFolder(_ set: ShardSet) throws {
        print("shard set \(set.folder)")
        for run in try set.catalog.runs() {
            print("  run \(run.id): \(run.status.rawValue), seed \(run.seed), pretext \(run.toolVersion), \(run.startedAt) → \(run.finishedAt ?? "-"), config \(run.configHash)")
            for input in try set.catalog.inputs(run: run.id) {
                print("    input \(input.ordinal): \(input.path) (\(input.size) bytes, \(input.documents) documents, \(input.status))")
            }
            for stat in try set.catalog.statistics(run: run.id) {
                print("    \(stat.name) = \(formatNumber(stat.value))")
            }
        }
        var bytes: UInt64 = 0
        for s in set.shards {
            print("  \(s.file): \(s.records) records, \(s.tokens) tokens, \(s.bytes) bytes, xxh64 \(hex(s.checksum))")
            bytes += s.bytes
        }
        print("  total: \(set.shards.count) shard(s), \(set.recordCount) records, \(set.tokenCount) tokens, \(bytes) bytes")
        if let first = set.shards.indices.first {
            describeSchema(try set.openShard(first).header)
        }
    }

    private func describeShard(_ r: ShardReader) {
        let h = r.header
        print("shard \(r.path)")
        print("  format \(ShardFormat.majorVersion).\(h.schema.minorVersion), \(r.fileSize) bytes, header \(r.footer.headerLength) bytes")
        print("  codec \(h.codec), filter \(h.filter), vocabulary \(h.vocabularySize), block limit \(h.blockLengthLimit) bytes")
        if !h.metadata.isEmpty { print("  metadata \(h.metadata)") }
        describeSchema(h)
        let compressed = r.index.reduce(UInt64(0)) { $0 + UInt64($1.compressedLength) }
        let uncompressed = r.index.reduce(UInt64(0)) { $0 + UInt64($1.uncompressedLength) }
        let ratio = compressed > 0 ? Double(uncompressed) / Double(compressed) : 0
        print("  \(r.blockCount) block(s), \(r.recordCount) records, \(r.tokenCount) tokens; blocks \(uncompressed) → \(compressed) bytes (ratio \(formatNumber(ratio)))")
    }

    private func describeSchema(_ h: ShardHeader) {
        let fields = h.schema.fields.map { f -> String in
            let type = f.type == .token ? "u\(h.schema.tokenWidth * 8)" : "\(f.type)"
            return "\(f.name): \(type)\(f.isList ? "[]" : "")"
        }
        print("  schema: " + fields.joined(separator: ", "))
    }

    private func printRecord(_ r: ShardRecord, _ vocabulary: Vocabulary?) {
        print("  provenance: input \(r.inputOrdinal), document \(r.documentOrdinal)")
        print("  length: \(r.tokens.count)")
        if let b = r.segmentBoundary, let label = r.pairLabel {
            print("  segment_boundary: \(b), pair_label: \(label)")
        } else if let b = r.segmentBoundary {
            print("  segment_boundary: \(b)")  // segments without a pair label (ELECTRA)
        }
        print("  ids: \(r.tokens.map(String.init).joined(separator: " "))")
        if let vocabulary { print("  tokens: \(r.tokens.map(vocabulary.token).joined(separator: " "))") }
        if !r.maskedPositions.isEmpty {
            print("  masked_positions: \(r.maskedPositions.map(String.init).joined(separator: " "))")
            print("  masked_ids: \(r.maskedIDs.map(String.init).joined(separator: " "))")
            if let vocabulary { print("  masked_tokens: \(r.maskedIDs.map(vocabulary.token).joined(separator: " "))") }
        }
    }
}

/// Integers without a fractional part, other values with 4 significant decimals.
func formatNumber(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
    return String((v * 10_000).rounded() / 10_000)
}
