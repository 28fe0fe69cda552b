import Foundation
import Testing
import PretextCore
import PretextShards
import PretextTestSupport

/// The bad-input matrix, with real files through the real `pretext build`: for each defect, a
/// message naming the file and line, its counter in `pretext stats`, and every good document
/// around it in the output — checked by the (input, document) ordinals the shards' records
/// carry, so a lost document cannot hide behind a right total.
@Suite(.serialized) struct BadInputMatrixTests {
    /// Document `i` of a test corpus: two sentences, in BERT text format (a line each).
    static func good(_ i: Int) -> String {
        "Document \(i) has a first sentence about the river.\nIt also has a second sentence about the garden.\n"
    }

    /// Five good documents, blank-line separated, with `defect(i)` replacing document i's text where given.
    static func corpus(_ documents: Int = 5, _ defect: (Int) -> String? = { _ in nil }) -> [UInt8] {
        Array((0..<documents).map { defect($0) ?? good($0) }.joined(separator: "\n").utf8)
    }

    struct Built {
        let status: Int32
        let output: String
        let folder: String
        /// `pretext stats` counters by name (empty when the build failed).
        let statistics: [String: Double]
        /// (input ordinal, document ordinal) of every record's document.
        let documents: Set<[UInt64]>
    }

    /// Builds `inputs` with bert-nsp and the bundled 8k WordPiece vocabulary (plus `extra`).
    static func build(_ inputs: [String], _ extra: [String] = []) throws -> Built {
        let out = CLI.temporaryFolder()
        var arguments = ["build", "pipelines/bert-nsp.toml", "--tokenizer", "pipelines/vocab/wordpiece-8k/tokenizer.json", "--output", out, "--threads", "2"]
        for input in inputs { arguments += ["--input", input] }
        let run = try CLI.run(arguments + extra)
        guard run.status == 0 else { return Built(status: run.status, output: run.output, folder: out, statistics: [:], documents: []) }
        return Built(status: 0, output: run.output, folder: out, statistics: try statistics(out), documents: try documentOrdinals(out))
    }

    static func statistics(_ folder: String) throws -> [String: Double] {
        let stats = try CLI.run(["stats", folder])
        var values: [String: Double] = [:]
        for line in stats.output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count == 2, let v = Double(fields[1]) { values[String(fields[0])] = v }
        }
        return values
    }

    static func documentOrdinals(_ folder: String) throws -> Set<[UInt64]> {
        var seen = Set<[UInt64]>()
        let set = try ShardSet(folder: folder)
        for s in set.shards.indices {
            try set.openShard(s).forEachRecord { record in seen.insert([UInt64(record.inputOrdinal), record.documentOrdinal]) }
        }
        return seen
    }

    /// Documents 0 ..< n of input `input`.
    static func all(_ n: Int, input: UInt64 = 0) -> Set<[UInt64]> { Set((0..<UInt64(n)).map { [input, $0] }) }

    static func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        try TemporaryFolder.shared.file(named: name, contents: bytes)
    }

    /// Checks a finished build: the message, the counter, the documents and the total.
    static func expect(_ b: Built, message: String, counter: String, _ value: Double, documents: Set<[UInt64]>,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(b.status == 0, "\(b.output)", sourceLocation: sourceLocation)
        #expect(b.output.contains(message), "no \"\(message)\" in:\n\(b.output)", sourceLocation: sourceLocation)
        #expect(b.statistics[counter] == value, "\(counter) = \(String(describing: b.statistics[counter]))", sourceLocation: sourceLocation)
        #expect(b.documents == documents, "documents in the shards: \(b.documents.sorted { $0.lexicographicallyPrecedes($1) })", sourceLocation: sourceLocation)
        #expect(b.statistics["documents"] == Double(documents.count), sourceLocation: sourceLocation)
    }

    @Test func invalidUTF8IsRepairedAndNamed() throws {
        let text = Self.corpus { $0 == 2 ? "Document 2 is about the \u{FFFF}river.\nIt ends.\n" : nil }
        let path = try Self.file("invalid-utf8.txt", text.replacingFirst([0xEF, 0xBF, 0xBF], with: [0xFF, 0xFE]))
        Self.expect(try Self.build([path]), message: "\(path):7: invalid UTF-8, 2 sequences replaced by U+FFFD",
                    counter: "input_invalid_utf8_lines", 1, documents: Self.all(5))
    }

    @Test func nulBytesAreRemovedAndNamed() throws {
        let path = try Self.file("nul.txt", Self.corpus { $0 == 2 ? "Document 2 is about the \u{0}river.\nIt ends.\n" : nil })
        Self.expect(try Self.build([path]), message: "\(path):7: 1 NUL byte removed", counter: "input_nul_bytes", 1, documents: Self.all(5))
    }

    @Test func aByteOrderMarkIsRemovedAndNamed() throws {
        let path = try Self.file("bom.txt", [0xEF, 0xBB, 0xBF] + Self.corpus())
        Self.expect(try Self.build([path]), message: "\(path):1: UTF-8 byte order mark removed", counter: "input_boms_stripped", 1, documents: Self.all(5))
    }

    @Test func crlfLineEndsAreRemovedAndNamed() throws {
        let text = Self.corpus().split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) + [0x0D, 0x0A] }.joined()
        let path = try Self.file("crlf.txt", Array(text))
        // 5 documents of 2 lines, 4 blank lines between them, and the last line's own.
        Self.expect(try Self.build([path]), message: "\(path):1: line ends in CR LF", counter: "input_crlf_lines", 15, documents: Self.all(5))
    }

    @Test func emptyAndBlankOnlyDocumentsAreCountedNotKept() throws {
        // Between documents 1 and 2: two more blank lines and a line of spaces and tabs.
        let path = try Self.file("blank-docs.txt", Self.corpus { $0 == 2 ? "\n \t \n\n" + Self.good(2) : nil })
        let b = try Self.build([path])
        Self.expect(b, message: "\(path):7: empty document skipped", counter: "input_empty_documents", 3, documents: Self.all(5))
    }

    @Test func anEmptyFileIsCountedAndTheNextInputRead() throws {
        let empty = try Self.file("empty.txt", [])
        let good = try Self.file("after-empty.txt", Self.corpus())
        Self.expect(try Self.build([empty, good]), message: "\(empty): empty file, no documents", counter: "input_empty_files", 1,
                    documents: Self.all(5, input: 1))
    }

    @Test func aMissingTrailingNewlineLosesNothing() throws {
        let path = try Self.file("no-newline.txt", Array(Self.corpus().dropLast()))
        let b = try Self.build([path])
        #expect(b.status == 0 && !b.output.contains("input: "), "\(b.output)")
        #expect(b.documents == Self.all(5) && b.statistics["documents"] == 5)
    }

    @Test func malformedJSONLinesAreSkippedAndNamed() throws {
        let docs: [String] = (0..<6).map { "{\"text\": \"Document \($0) is about the river. It also has a garden.\"}" }
        var lines: [String] = [docs[0], docs[1], "{\"text\": \"truncated rec", docs[2], "{\"id\": 5}", docs[3], "{\"text\": 17}"]
        lines += [docs[4], "42", "[1, 2]", docs[5], "{\"text\": \"cut off at the end"]
        let path = try Self.file("bad.jsonl", Array(lines.joined(separator: "\n").utf8))
        let b = try Self.build([path], ["--set", "input.format=jsonl"])
        Self.expect(b, message: "\(path):3: malformed JSON", counter: "input_malformed_json_lines", 6, documents: Self.all(6))
        for (line, what) in [(5, "no \"text\" field"), (7, "\"text\" is a number, not a string"), (9, "malformed JSON"), (10, "malformed JSON"), (12, "malformed JSON")] {
            #expect(b.output.contains("\(path):\(line): \(what)"), "line \(line): \(b.output)")
        }
    }

    /// `bytes` compressed with the command-line tool into `path`; zstd in four frames (cut at
    /// blank lines), as a file compressed in parts or by a streaming writer is, so damage in a
    /// later frame leaves whole frames before it.
    static func compress(_ bytes: [UInt8], _ tool: String, into path: String) throws {
        var parts: [ArraySlice<UInt8>] = []
        var start = 0
        for k in 1...4 {
            var end = k == 4 ? bytes.count : bytes.count * k / 4
            while end < bytes.count && !(bytes[end - 1] == 0x0A && bytes[end] == 0x0A) { end += 1 }
            if k < 4 && end < bytes.count { end += 1 }
            parts.append(bytes[start..<end])
            start = end
        }
        var command = ""
        for (k, part) in (tool == "gzip" ? [bytes[...]] : parts).enumerated() {
            let plain = path + ".part\(k)"
            try PosixFile.writeAtomically(Array(part), to: plain)
            command += (tool == "gzip" ? "gzip -n -c" : "zstd -q -c") + " '\(plain)'; "
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "{ \(command)} > '\(path)'"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool) is installed (scripts/install-system-libraries.sh installs it)")
    }

    @Test func aTruncatedGzipKeepsTheDocumentsBeforeTheCut() throws {
        let whole = try TemporaryFolder.shared.folder(named: "gz") + "/whole.txt.gz"
        try Self.compress(Self.corpus(3000), "gzip", into: whole)
        let bytes = try PosixFile(path: whole, mode: .readOnly).readAll()
        let path = try Self.file("truncated.txt.gz", Array(bytes.prefix(bytes.count / 2)))
        let b = try Self.build([path])
        let kept = Int(b.statistics["documents"] ?? 0)
        #expect(kept > 100 && kept < 3000, "\(kept) documents")
        Self.expect(b, message: "gzip input cannot be decoded from here", counter: "input_undecodable_streams", 1, documents: Self.all(kept))
        #expect(b.output.contains("\(path):") && b.output.contains("truncated"), "\(b.output)")
    }

    @Test func aCorruptZstdKeepsTheDocumentsBeforeTheDamage() throws {
        let whole = try TemporaryFolder.shared.folder(named: "zst") + "/whole.txt.zst"
        try Self.compress(Self.corpus(6000), "zstd", into: whole)
        var bytes = try PosixFile(path: whole, mode: .readOnly).readAll()
        for k in (bytes.count * 2 / 3)..<(bytes.count * 2 / 3 + 32) { bytes[k] ^= 0x5A }
        let path = try Self.file("corrupt.txt.zst", bytes)
        let b = try Self.build([path])
        let kept = Int(b.statistics["documents"] ?? 0)
        #expect(kept > 100 && kept < 6000, "\(kept) documents")
        Self.expect(b, message: "\(path):", counter: "input_undecodable_streams", 1, documents: Self.all(kept))
        #expect(b.output.contains("zstd input cannot be decoded from here"), "\(b.output)")
    }

    @Test func aFileThatIsNotCompressedAtAllIsAnError() throws {
        let path = try Self.file("plain-named.txt.gz", Self.corpus())
        let b = try Self.build([path])
        #expect(b.status != 0 && b.output.contains(path) && b.output.contains("gzip input cannot be decoded"), "\(b.output)")
        #expect(!PosixFile.exists(b.folder + "/" + Catalog.fileName) || (try? Catalog(folder: b.folder).runs().last?.status) != .finished)
    }

    @Test func danglingLinksAndFIFOsInAFolderAreSkippedAndCounted() throws {
        let folder = try TemporaryFolder.shared.folder(named: "entries")
        try PosixFile.writeAtomically(Self.corpus(), to: folder + "/a.txt")
        try FileManager.default.createSymbolicLink(atPath: folder + "/b.txt", withDestinationPath: folder + "/nowhere.txt")
        try PosixFile.writeAtomically(Self.corpus(3), to: folder + "/c.txt")
        #expect(mkfifo(folder + "/d.fifo", 0o644) == 0)
        let b = try Self.build([folder])
        Self.expect(b, message: "\(folder)/b.txt: dangling symbolic link skipped", counter: "input_skipped_entries", 2,
                    documents: Self.all(5, input: 0).union(Self.all(3, input: 1)))
        #expect(b.output.contains("\(folder)/d.fifo: FIFO skipped"), "\(b.output)")
    }

    @Test func aMissingPathIsAnErrorBeforeAnythingIsWritten() throws {
        let good = try Self.file("beside-missing.txt", Self.corpus())
        let b = try Self.build([good, "/nonexistent/pretext/corpus.txt"])
        #expect(b.status != 0 && b.output.contains("/nonexistent/pretext/corpus.txt: no such file or folder"), "\(b.output)")
        #expect(!PosixFile.exists(b.folder + "/" + Catalog.fileName))
    }

    /// A 300 MB line between two good documents: split into pieces and documents of bounded
    /// size, both neighbours kept, and the build's peak RSS far below the line's size.
    @Test func aThreeHundredMegabyteLineKeepsMemoryBounded() throws {
        let path = try TemporaryFolder.shared.folder(named: "giant") + "/giant.txt"
        let file = try PosixFile(path: path, mode: .createTruncate)
        try file.writeAll(Array((Self.good(0) + "\n").utf8))
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<300 { try file.writeAll(chunk) }
        try file.writeAll(Array(("\n\n" + Self.good(2)).utf8))
        try file.close()
        defer { try? PosixFile.removeIfPresent(path) }
        let out = CLI.temporaryFolder()
        let run = try CLI.runMeasured(["build", CLI.packageRoot + "/pipelines/bert-nsp.toml", "--tokenizer", CLI.packageRoot + "/pipelines/vocab/wordpiece-8k/tokenizer.json",
                                       "--input", path, "--output", out, "--threads", "2"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("\(path):4: line longer than 1048576 bytes split into pieces"), "\(run.output)")
        #expect(run.peakRSSBytes < 200 << 20, "peak RSS \(run.peakRSSBytes >> 20) MiB for a 300 MiB line")
        let stats = try Self.statistics(out)
        // 300 MiB in documents of at most 16 MiB: 19 of them, cut 18 times, between the two good ones.
        #expect(stats["input_overlong_lines"] == 1 && stats["input_split_documents"] == 18 && stats["documents"] == 21)
        #expect(try Self.documentOrdinals(out) == Self.all(21))
        try? FileManager.default.removeItem(atPath: out)
    }
}

extension Array where Element == UInt8 {
    /// The array with the first occurrence of `pattern` replaced by `replacement`.
    func replacingFirst(_ pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard let i = (0...(count - pattern.count)).first(where: { Array(self[$0..<($0 + pattern.count)]) == pattern }) else { return self }
        return Array(self[..<i]) + replacement + Array(self[(i + pattern.count)...])
    }
}
