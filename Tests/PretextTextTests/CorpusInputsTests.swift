#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import PretextCore
import PretextTestSupport
@testable import PretextText

@Suite struct CorpusInputsTests {
    /// A folder with the given files (relative paths → contents).
    func folder(_ files: [String: String]) throws -> String {
        let root = try TemporaryFolder.shared.folder(named: "corpus")
        for (rel, text) in files {
            let path = root + "/" + rel
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        return root
    }

    @Test func foldersAreReadInBytewisePathOrderSkippingHiddenFiles() throws {
        let root = try folder([
            "b.txt": "b\n", "a.txt": "a\n", "A.txt": "A\n", "sub/z.txt": "z\n", "sub-x.txt": "sx\n", "é.txt": "e\n",
            ".hidden": "h\n", ".git/config": "g\n", "sub/.cache/c.txt": "c\n", "sub/deeper/y.txt": "y\n",
        ])
        let recursive = try CorpusInputs.open(paths: [root + "/"], format: .bert)
        let expected = ["A.txt", "a.txt", "b.txt", "sub-x.txt", "sub/deeper/y.txt", "sub/z.txt", "é.txt"]
        #expect(recursive.inputs.map(\.path) == expected.map { root + "/" + $0 })
        #expect(recursive.inputs.map(\.ordinal) == Array(0..<UInt32(expected.count)))

        let flat = try CorpusInputs.open(paths: [root], format: .bert, options: ReaderOptions(recursiveFolders: false))
        #expect(flat.inputs.map(\.path) == ["A.txt", "a.txt", "b.txt", "sub-x.txt", "é.txt"].map { root + "/" + $0 })
    }

    @Test func inputsKeepTheirOrderAndGetOrdinalsAcrossFolders() throws {
        let root = try folder(["2.txt": "two\n", "1.txt.gz": "", "1.txt": "one\n"])
        try Data(ReaderTesting.compress(Array("one gz\n".utf8), with: .gzip)).write(to: URL(fileURLWithPath: root + "/1.txt.gz"))
        let first = try TemporaryFolder.shared.file(named: "first.txt", text: "first\n")
        let last = try TemporaryFolder.shared.file(named: "last.txt", text: "last\n")
        let inputs = try CorpusInputs.open(paths: [first, root, last], format: .paragraphs)
        #expect(inputs.inputs.map(\.path) == [first, root + "/1.txt", root + "/1.txt.gz", root + "/2.txt", last])
        #expect(inputs.inputs.map(\.compression) == [.none, .none, .gzip, .none, .none])
        var docs: [Document] = []
        var readers: [(String, UInt32)] = []
        try inputs.forEachReader { reader in
            readers.append((reader.path, reader.inputOrdinal))
            try reader.forEachDocument { docs.append($0) }
        }
        #expect(readers.map(\.1) == [0, 1, 2, 3, 4])
        #expect(docs.map { ReaderTesting.texts($0).joined() } == ["first", "one", "one gz", "two", "last"])
        #expect(docs.map(\.inputOrdinal) == [0, 1, 2, 3, 4])
        #expect(docs.allSatisfy { $0.documentOrdinal == 0 && !$0.segmentsAreSentences })

        var again: [Document] = []
        let report = try inputs.forEachDocument { again.append($0) }
        #expect(again == docs)
        #expect(report.documents == 5 && report.segments == 5)
    }

    @Test func formatsSelectTheReader() throws {
        let path = try TemporaryFolder.shared.file(named: "r.jsonl", text: #"{"body": "x", "key": "k1"}"#)
        let inputs = try CorpusInputs.open(paths: [path], format: .jsonl(textField: "body", idField: "key"))
        var docs: [Document] = []
        try inputs.forEachDocument { docs.append($0) }
        #expect(docs.map(\.externalID) == ["k1"])
        #expect(try inputs.makeReader(for: inputs.inputs[0]) is JSONLinesReader)
        #expect(try CorpusInputs.open(paths: [path], format: .bert).makeReader(for: inputs.inputs[0]) is BertTextFormatReader)
        #expect(try CorpusInputs.open(paths: [path], format: .paragraphs).makeReader(for: inputs.inputs[0]) is ParagraphTextReader)
        #expect(CorpusFormat.jsonl() == .jsonl(textField: "text", idField: nil))
    }

    @Test func reportsAreSummedAcrossInputs() throws {
        let a = try TemporaryFolder.shared.file(named: "a.txt", contents: [0xEF, 0xBB, 0xBF] + Array("x\u{0}\r\n".utf8))
        let b = try TemporaryFolder.shared.file(named: "b.txt", contents: [0xEF, 0xBB, 0xBF, 0xFF, 0x0A, 0x79])
        let report = try CorpusInputs.open(paths: [a, b], format: .bert).forEachDocument { _ in }
        #expect(report.documents == 2)
        #expect(report.bomsStripped == 2 && report.nulBytes == 1 && report.crlfLines == 1 && report.invalidUTF8Lines == 1)
        let crlf = "line ends in CR LF: the CR is removed here and on every later such line (counted in input_crlf_lines)"
        #expect(report.problems == ["\(a):1: UTF-8 byte order mark removed", "\(a):1: \(crlf)", "\(a):1: 1 NUL byte removed",
                                    "\(b):1: UTF-8 byte order mark removed", "\(b):1: invalid UTF-8, 1 sequence replaced by U+FFFD"])
    }

    @Test func missingOrUnusableInputsFailBeforeAnythingIsRead() throws {
        let good = try TemporaryFolder.shared.file(named: "good.txt", text: "x\n")
        let missing = "/nonexistent/pretext/corpus.txt"
        let error = #expect(throws: CorpusInputError.self) { try CorpusInputs.open(paths: [good, missing], format: .bert) }
        #expect(error?.path == missing)
        #expect(error.map { "\($0)".contains(missing) } == true)

        let empty = try TemporaryFolder.shared.folder(named: "empty")
        try Data("h".utf8).write(to: URL(fileURLWithPath: empty + "/.only-hidden"))
        let emptyError = #expect(throws: CorpusInputError.self) { try CorpusInputs.open(paths: [empty], format: .bert) }
        #expect(emptyError?.path == empty)

        #expect(throws: CorpusInputError.self) { try CorpusInputs.open(paths: ["-", "-"], format: .bert) }
        let stdin = try CorpusInputs.open(paths: ["-", good], format: .bert)
        #expect(stdin.inputs.map(\.path) == ["-", good])
        #expect(stdin.inputs[0].compression == .none)
    }

    @Test func unreadableFilesAreReported() throws {
        guard geteuid() != 0 else { return }  // root reads everything; nothing to test
        let path = try TemporaryFolder.shared.file(named: "locked.txt", text: "x\n")
        chmod(path, 0)
        defer { chmod(path, 0o644) }
        let error = #expect(throws: CorpusInputError.self) { try CorpusInputs.open(paths: [path], format: .bert) }
        #expect(error?.path == path)
    }

    /// Standard input is a descriptor like any other: read a pipe through `FileByteSource`.
    @Test func fileDescriptorSourceReadsAPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let text = Array("piped one.\npiped two.\n\nsecond doc.\n".utf8)
        let written = text.withUnsafeBytes { write(fds[1], $0.baseAddress!, $0.count) }
        #expect(written == text.count)
        close(fds[1])
        let source = FileByteSource(descriptor: fds[0], path: "-", closeOnDeinit: true)
        let r = try ReaderTesting.readAll(BertTextFormatReader(source: source, inputOrdinal: 0))
        #expect(r.docs.map(ReaderTesting.texts) == [["piped one.", "piped two."], ["second doc."]])
        #expect(source.bytesRead == UInt64(text.count))
        #expect(r.report.bytes == UInt64(text.count))
    }
}
