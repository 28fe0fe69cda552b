import Foundation
import Testing
import PretextCore
import PretextTestSupport
@testable import PretextText

@Suite struct CompressedInputTests {
    typealias Tool = ReaderTesting.Tool

    func file(_ bytes: [UInt8], _ tool: Tool) throws -> String {
        try TemporaryFolder.shared.file(named: "input.txt" + (tool == .gzip ? ".gz" : ".zst"), contents: bytes)
    }

    func bertDocuments(_ path: String, options: ReaderOptions = ReaderOptions()) throws -> [Document] {
        try ReaderTesting.readAll(BertTextFormatReader(path: path, inputOrdinal: 0, options: options)).docs
    }

    /// Everything a source yields, read with `step`-byte buffers.
    func drain(_ source: any ByteSource, step: Int = 1 << 16) throws -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: step)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
        }
    }

    @Test(arguments: [Tool.gzip, Tool.zstd])
    func roundTripGivesTheSameDocumentsAsPlainText(_ tool: Tool) throws {
        let text = Array(ReaderTesting.corpus(documents: 3000, seed: 7).utf8)  // a few hundred KB
        let plain = try TemporaryFolder.shared.file(named: "plain.txt", contents: text)
        let compressed = try file(ReaderTesting.compress(text, with: tool), tool)
        #expect(InputCompression(path: compressed) == (tool == .gzip ? .gzip : .zstd))
        let expected = try bertDocuments(plain)
        #expect(expected.count == 3000)
        #expect(try bertDocuments(compressed) == expected)
        // Small read chunks: many refills of both the compressed and the line buffers.
        #expect(try bertDocuments(compressed, options: ReaderOptions(readChunkBytes: 1000)) == expected)
        let report = try ReaderTesting.readAll(BertTextFormatReader(path: compressed, inputOrdinal: 0)).report
        #expect(report.bytes == UInt64(text.count))
    }

    @Test(arguments: [Tool.gzip, Tool.zstd])
    func byteSourceDecodesWithTinyBuffers(_ tool: Tool) throws {
        let text = Array(ReaderTesting.corpus(documents: 200, seed: 8).utf8)
        let compressed = try ReaderTesting.compress(text, with: tool)
        let upstream = ReaderTesting.MemorySource(compressed, path: "mem", step: 3)
        let source: any ByteSource = tool == .gzip ? try GzipByteSource(wrapping: upstream, inputChunk: 5)
                                                   : try ZstdByteSource(wrapping: upstream, inputChunk: 5)
        #expect(try drain(source, step: 1) == text)
        #expect(try drain(source) == [])  // stays at end
    }

    @Test(arguments: [Tool.gzip, Tool.zstd])
    func concatenatedMembersAreOneStream(_ tool: Tool) throws {
        let a = Array("First member.\nStill first.\n\n".utf8), b = Array("Second member.\n".utf8)
        let both = try ReaderTesting.compress(a, with: tool) + ReaderTesting.compress(b, with: tool)
        let path = try file(both, tool)
        #expect(try bertDocuments(path).map(ReaderTesting.texts) == [["First member.", "Still first."], ["Second member."]])
    }

    @Test(arguments: [Tool.gzip, Tool.zstd])
    func emptyFilesAreEmptyInputs(_ tool: Tool) throws {
        #expect(try bertDocuments(file([], tool)).isEmpty)
        #expect(try bertDocuments(file(ReaderTesting.compress([], with: tool), tool)).isEmpty)
    }

    /// A reader of a damaged input: the documents decoded before the damage, and the report
    /// (the damage counted once, with a problem naming the line, the path and the offset).
    func readDamaged(_ path: String) throws -> (docs: [Document], report: ReaderReport) {
        try ReaderTesting.readAll(BertTextFormatReader(path: path, inputOrdinal: 0))
    }

    @Test(arguments: [Tool.gzip, Tool.zstd])
    func truncatedStreamsKeepWhatWasDecodedAndReportTheRest(_ tool: Tool) throws {
        // A few hundred KB: several zstd blocks, so half the file decodes to something.
        let text = Array(ReaderTesting.corpus(documents: 4000, seed: 9).utf8)
        let compressed = try ReaderTesting.compress(text, with: tool)
        let plain = try bertDocuments(try TemporaryFolder.shared.file(named: "plain-9.txt", contents: text))
        for keep in [compressed.count - 1, compressed.count / 2] {
            let path = try file(Array(compressed[0..<keep]), tool)
            let (docs, report) = try readDamaged(path)
            #expect(report.undecodableInputs == 1, "a \(tool) file cut to \(keep) of \(compressed.count) bytes")
            #expect(report.problems.count == 1)
            let problem = report.problems.first ?? ""
            #expect(problem.hasPrefix(path + ":") && problem.contains("compressed byte offset") && problem.contains("the rest of the input is skipped"), "\(problem)")
            #expect(tool == .zstd || problem.contains("truncated"), "\(problem)")
            // Every document before the damage is there, unchanged; only the last may be cut short.
            #expect(docs.count > 0 && docs.count <= plain.count)
            if docs.count > 1 { #expect(Array(docs.dropLast()) == Array(plain.prefix(docs.count - 1))) }
        }
        // Cut before anything decodes: an error naming the file, not an empty input.
        let head = try file(Array(compressed[0..<10]), tool)
        let error = #expect(throws: CompressedInputError.self) { try bertDocuments(head) }
        #expect(error?.path == head)
        #expect(error.map { "\($0)".contains("compressed byte offset \($0.compressedOffset)") } == true)
        #expect(error.map { $0.compressedOffset <= 10 } == true)
    }

    @Test(arguments: [Tool.gzip, Tool.zstd])
    func corruptStreamsNameThePath(_ tool: Tool) throws {
        // Several zstd frames (as `zstd` writes for concatenated inputs) or gzip members, so the
        // damage in the middle leaves whole frames before it.
        let parts = (0..<4).map { Array(ReaderTesting.corpus(documents: 200, seed: 10 + UInt64($0)).utf8) }
        var compressed: [UInt8] = []
        for part in parts { compressed += try ReaderTesting.compress(part, with: tool) }
        let middle = compressed.count / 2
        for k in middle..<(middle + 16) { compressed[k] ^= 0x5A }
        let path = try file(compressed, tool)
        let (docs, report) = try readDamaged(path)
        #expect(report.undecodableInputs == 1)
        #expect(report.problems.first.map { $0.hasPrefix(path + ":") && $0.contains("cannot be decoded") } == true, "\(report.problems)")
        // The first frame's documents at least, none of them changed.
        let first = try bertDocuments(try TemporaryFolder.shared.file(named: "plain-10.txt", contents: parts[0]))
        #expect(docs.count >= first.count - 1)
        #expect(docs.prefix(first.count - 1).map(ReaderTesting.texts) == first.prefix(first.count - 1).map(ReaderTesting.texts))
    }

    /// Found by the zstd fuzz target with a 64 MB allocation limit: this 25-byte frame header
    /// declares a 64 MiB window, which libzstd allocated before reading a block. Frames may ask
    /// for at most 2^23 bytes unless the limit is raised.
    @Test func aFrameAskingForAHugeWindowIsRefusedBeforeAllocating() throws {
        let bytes = Array(Data(base64Encoded: "KLUv/QCAgICAgICAgICAgEkKCgoCAgIIAg==")!)
        let path = try file(bytes, .zstd)
        let error = #expect(throws: CompressedInputError.self) { try bertDocuments(path) }
        #expect(error.map { $0.reason.contains("Frame requires too much memory") && $0.reason.contains("input.zstd_window_log_max") } == true,
                "\(String(describing: error))")
        // With the limit raised the window is allowed and the bytes fail as what they are.
        let raised = #expect(throws: CompressedInputError.self) {
            try ReaderTesting.readAll(BertTextFormatReader(source: ZstdByteSource(wrapping: FileByteSource(path: path), windowLogMax: 27), inputOrdinal: 0))
        }
        #expect(raised.map { !$0.reason.contains("too much memory") } == true, "\(String(describing: raised))")
    }

    /// Found by the zstd fuzz target after the window limit: a 122-byte frame of the pre-1.0
    /// format v0.6 (magic 0xFD2FB526), whose legacy decoder in libzstd ignores the limit and
    /// allocated 64 MiB. Only zstd 1.x and skippable frames are read.
    @Test func aLegacyFormatFrameIsRefusedBeforeAllocating() throws {
        let bytes = Array(Data(base64Encoded: "JrUv/Z6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6enp6eAAAAAFQ=")!)
        let path = try file(bytes, .zstd)
        let error = #expect(throws: CompressedInputError.self) { try bertDocuments(path) }
        #expect(error.map { $0.reason.contains("not a zstd 1.x frame (magic 0xfd2fb526)") } == true, "\(String(describing: error))")
        // A skippable frame before a real one is read past.
        let skippable: [UInt8] = [0x50, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3]
        let real = try ReaderTesting.compress(Array("After a skippable frame.\n".utf8), with: .zstd)
        #expect(try bertDocuments(try file(skippable + real, .zstd)).map(ReaderTesting.texts) == [["After a skippable frame."]])
    }

    @Test func garbageAfterAGzipMemberIsReported() throws {
        let path = try file(ReaderTesting.compress(Array("text\n".utf8), with: .gzip) + Array("garbage".utf8), .gzip)
        let (docs, report) = try readDamaged(path)
        #expect(docs.map(ReaderTesting.texts) == [["text"]])
        #expect(report.undecodableInputs == 1 && report.problems.first?.contains("gzip input cannot be decoded") == true)
    }

    @Test func notCompressedAtAllIsAnError() throws {
        let gz = try file(Array("plain text, not gzip\n".utf8), .gzip)
        #expect(throws: CompressedInputError.self) { try bertDocuments(gz) }
        let zst = try file(Array("plain text, not zstd\n".utf8), .zstd)
        let error = #expect(throws: CompressedInputError.self) { try bertDocuments(zst) }
        #expect(error?.reason.isEmpty == false)
    }

    @Test(arguments: [Tool.gzip, Tool.zstd])
    func everyFormatReadsEveryCompression(_ tool: Tool) throws {
        let jsonl = Array((#"{"text": "one\ntwo", "id": 1}"# + "\n" + #"{"text": "three", "id": "b"}"# + "\n").utf8)
        let path = try file(ReaderTesting.compress(jsonl, with: tool), tool)
        let docs = try ReaderTesting.readAll(JSONLinesReader(path: path, inputOrdinal: 4, idField: "id")).docs
        #expect(docs.map(ReaderTesting.texts) == [["one", "two"], ["three"]])
        #expect(docs.map(\.externalID) == ["1", "b"])
        let paragraphs = try file(ReaderTesting.compress(Array("p1\np2\n\np3".utf8), with: tool), tool)
        #expect(try ReaderTesting.readAll(ParagraphTextReader(path: paragraphs, inputOrdinal: 0)).docs.map(ReaderTesting.texts)
                == [["p1", "p2"], ["p3"]])
    }

    @Test func extensionsSelectTheDecompressor() {
        #expect(InputCompression(path: "a/b.txt") == .none)
        #expect(InputCompression(path: "a/b.jsonl.GZ") == .gzip)
        #expect(InputCompression(path: "b.zst") == .zstd)
        #expect(InputCompression(path: "b.zstd") == .zstd)
        #expect(InputCompression(path: "b.gzip") == .none)
        #expect(InputCompression(path: "-") == .none)
    }
}
