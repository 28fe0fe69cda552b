import ArgumentParser
import PretextCore
import PretextLabeling
import PretextShards
import PretextText

/// `pretext pack`: BERT-format text → UTF-8 byte tokens → causal blocks → shard set.
struct Pack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Pack text into causal (GPT-style) blocks of UTF-8 byte tokens, as a shard set with a catalog.",
        discussion: """
            Reads the BERT text format (one sentence per line, a blank line between
            documents), turns every UTF-8 byte into a token (ids 0-255; [PAD] 256, [CLS] 257,
            [SEP] 258, [MASK] 259, [EOD] 260), joins documents with [EOD] and cuts the stream
            into blocks of exactly --block-length tokens. Writes shards, catalog.sqlite and
            vocab.txt into --output. Needs no vocabulary file, so it works on any corpus.

            Example:
              pretext pack corpora/en-sample.txt corpora/ko-sample.txt --output shards/sample --overwrite
            """)

    @Argument(help: "Input files in the BERT text format, read in the order given.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var output: String = "shards/sample"

    @Option(help: "Tokens per block.")
    var blockLength: Int = 128

    @Option(help: "Start a new shard file after this many bytes.")
    var shardBytes: UInt64 = 64 << 20

    @Flag(help: "Delete an existing shard set in --output first.")
    var overwrite = false

    func validate() throws {
        guard !inputs.isEmpty else { throw ValidationError("give at least one input file") }
        guard blockLength > 1 && blockLength <= 1 << 20 else { throw ValidationError("--block-length must be in 2...1048576") }
    }

    func run() throws {
        let catalogPath = output + "/" + Catalog.fileName
        if PosixFile.exists(catalogPath) {
            guard overwrite else {
                throw ValidationError("\(output) already holds a shard set; pass --overwrite to replace it")
            }
            for name in try PosixFile.listDirectory(output)
            where name.hasPrefix(Catalog.fileName) || name.hasSuffix("." + ShardFormat.fileExtension)
                || name.hasSuffix(ShardWriter.partialSuffix) || name == "vocab.txt" {
                try PosixFile.removeIfPresent(output + "/" + name)
            }
        }
        for input in inputs where !PosixFile.exists(input) {
            throw ValidationError("input \(input) does not exist")
        }
        let catalog = try Catalog(folder: output, create: true)
        let config = "command = \"pack\"\ninputs = \(inputs)\nblock_length = \(blockLength)\nshard_bytes = \(shardBytes)\n"
        let run = try catalog.beginRun(configText: config, seed: 0)
        do {
            try pack(catalog: catalog, run: run)
            try catalog.endRun(run, status: .finished)
        } catch {
            try? catalog.endRun(run, status: .failed)
            throw error
        }
    }

    private func pack(catalog: Catalog, run: Int64) throws {
        let header = ShardHeader(
            schema: ShardSchema(tokenWidth: 2, hasPairs: false, hasMasks: false), filter: .recommended(forTokenWidth: 2),
            vocabularySize: UInt32(UTF8ByteTokenizer.vocabularySize),
            blockLengthLimit: UInt32(ShardFormat.defaultBlockLengthLimit),
            metadata: #"{"task":"causal","tokenizer":"utf8-bytes","block_length":\#(blockLength),"eod_id":\#(UTF8ByteTokenizer.endOfDocument)}"#)
        let writer = try ShardSetWriter(folder: output, header: header, shardTargetBytes: shardBytes)
        var builder = CausalBlockBuilder(blockLength: blockLength, endOfDocument: UTF8ByteTokenizer.endOfDocument)
        var ids: [UInt32] = []
        var documents: UInt64 = 0, sentences: UInt64 = 0, emptyDocuments: UInt64 = 0, inputBytes: UInt64 = 0
        for (ordinal, input) in inputs.enumerated() {
            let reader = try BertTextFormatReader(path: input, inputOrdinal: UInt32(ordinal))
            try reader.forEachDocument { doc in
                ids.removeAll(keepingCapacity: true)
                for (i, sentence) in doc.segments.enumerated() {
                    if i > 0 { ids.append(0x20) }  // sentences of a document are joined by a space
                    UTF8ByteTokenizer.encode(sentence, into: &ids)
                }
                try builder.add(document: ids, inputOrdinal: doc.inputOrdinal, documentOrdinal: doc.documentOrdinal) { block, input, document in
                    try writer.append(ShardRecord(tokens: block, inputOrdinal: input, documentOrdinal: document))
                }
            }
            let (fingerprint, size) = try FileChecksum.xxh64(ofFile: input)
            try catalog.recordInput(run: run, Catalog.Input(
                ordinal: ordinal, path: input, size: size, fingerprint: hex(fingerprint),
                documents: reader.report.documents, status: "done"))
            documents += reader.report.documents
            sentences += reader.report.segments
            emptyDocuments += reader.report.emptyDocuments
            inputBytes += size
        }
        let summaries = try writer.finish()
        for s in summaries { try catalog.recordShard(run: run, s) }
        let records = summaries.reduce(0) { $0 + $1.records }
        let tokens = summaries.reduce(0) { $0 + $1.tokens }
        let bytes = summaries.reduce(0) { $0 + $1.bytes }
        try catalog.setStatistics(run: run, [
            ("documents", Double(documents)), ("sentences", Double(sentences)),
            ("empty_documents_skipped", Double(emptyDocuments)), ("input_bytes", Double(inputBytes)),
            ("instances", Double(records)), ("tokens", Double(tokens)),
            ("dropped_tail_tokens", Double(builder.droppedTailTokens)), ("shard_bytes", Double(bytes)),
        ])
        try UTF8ByteTokenizer.vocabulary.write(to: output + "/vocab.txt")
        print("packed \(inputs.count) input(s), \(documents) documents, \(sentences) sentences → \(records) blocks of \(blockLength) tokens in \(summaries.count) shard(s), \(bytes) bytes, in \(output)")
    }
}
