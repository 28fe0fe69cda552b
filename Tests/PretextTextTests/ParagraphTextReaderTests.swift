import Testing
import PretextTestSupport
@testable import PretextText

@Suite struct ParagraphTextReaderTests {
    func read(_ bytes: [UInt8], options: ReaderOptions = ReaderOptions()) throws -> (docs: [Document], report: ReaderReport, path: String) {
        let path = try TemporaryFolder.shared.file(named: "paragraphs.txt", contents: bytes)
        let r = try ReaderTesting.readAll(ParagraphTextReader(path: path, inputOrdinal: 5, options: options))
        return (r.docs, r.report, path)
    }

    @Test func runsOfNonBlankLinesAreDocumentsOfParagraphs() throws {
        let text = "First paragraph, two sentences. Still first.\nSecond paragraph.\n\n\n  Another document.  \n"
        let r = try read(Array(text.utf8))
        #expect(r.docs.map(ReaderTesting.texts) == [
            ["First paragraph, two sentences. Still first.", "Second paragraph."],
            ["Another document."],
        ])
        #expect(r.docs.allSatisfy { !$0.segmentsAreSentences && $0.inputOrdinal == 5 && $0.externalID == nil })
        #expect(r.docs.map(\.documentOrdinal) == [0, 1])
        #expect(r.report.documents == 2 && r.report.segments == 3 && r.report.emptyDocuments == 1)
        #expect(r.report.bytes == UInt64(text.utf8.count))
    }

    @Test func byteOrderMarkIsStrippedOnlyAtTheStart() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let r = try read(bom + Array("Hello\n".utf8) + bom + Array("inner\n".utf8))
        #expect(r.docs.map(ReaderTesting.texts) == [["Hello", "\u{FEFF}inner"]])
        #expect(r.report.bomsStripped == 1)
    }

    @Test func crlfAndNulBytesAreRemovedAndCounted() throws {
        let r = try read(Array("a\u{0}b\r\nc\u{0}\u{0}\r\n\r\nd".utf8))
        #expect(r.docs.map(ReaderTesting.texts) == [["ab", "c"], ["d"]])
        #expect(r.report.crlfLines == 3)
        #expect(r.report.nulBytes == 3)
        #expect(r.report.problems == ["\(r.path):1: line ends in CR LF: the CR is removed here and on every later such line (counted in input_crlf_lines)",
                                      "\(r.path):1: 1 NUL byte removed", "\(r.path):2: 2 NUL bytes removed"])
    }

    @Test func invalidUTF8IsReplacedByDefault() throws {
        let r = try read([0x61, 0xC3, 0x28, 0x62, 0x0A] + Array("ok\n".utf8) + [0xED, 0xA0, 0x80, 0x0A])
        #expect(r.docs.map(ReaderTesting.texts) == [["a\u{FFFD}(b", "ok", "\u{FFFD}\u{FFFD}\u{FFFD}"]])
        #expect(r.report.invalidUTF8Lines == 2)
        #expect(r.report.problems == [
            "\(r.path):1: invalid UTF-8, 1 sequence replaced by U+FFFD",
            "\(r.path):3: invalid UTF-8, 3 sequences replaced by U+FFFD",
        ])
    }

    @Test func invalidUTF8LinesCanBeDropped() throws {
        let r = try read([0x61, 0xFF, 0x0A] + Array("kept\n".utf8) + [0xC0, 0xAF, 0x0A],
                         options: ReaderOptions(invalidUTF8: .dropLine))
        #expect(r.docs.map(ReaderTesting.texts) == [["kept"]])
        #expect(r.report.invalidUTF8Lines == 2)
        #expect(r.report.problems == ["\(r.path):1: invalid UTF-8, line dropped", "\(r.path):3: invalid UTF-8, line dropped"])
    }

    @Test func overlongLinesAreSplitOrSkippedAndReported() throws {
        let long = String(repeating: "x", count: 40)
        let split = try read(Array("a\n\(long)\nb\n".utf8), options: ReaderOptions(maxLineBytes: 16))
        #expect(split.docs.map(ReaderTesting.texts) == [["a", String(repeating: "x", count: 16), String(repeating: "x", count: 16), "xxxxxxxx", "b"]])
        #expect(split.report.overlongLines == 1)
        #expect(split.report.problems == ["\(split.path):2: line longer than 16 bytes split into pieces"])

        let skip = try read(Array("a\n\(long)\nb\n\(long)".utf8), options: ReaderOptions(maxLineBytes: 16, overlongLines: .skip))
        #expect(skip.docs.map(ReaderTesting.texts) == [["a", "b"]])
        #expect(skip.report.overlongLines == 2)
        #expect(skip.report.problems == ["\(skip.path):2: line longer than 16 bytes skipped", "\(skip.path):4: line longer than 16 bytes skipped"])
    }

    @Test func documentsAreCutAtTheSizeCap() throws {
        let r = try read(Array("aaaa\nbbbb\ncccc\n\ndd\n".utf8), options: ReaderOptions(maxDocumentBytes: 8))
        #expect(r.docs.map(ReaderTesting.texts) == [["aaaa", "bbbb"], ["cccc"], ["dd"]])
        #expect(r.docs.map(\.documentOrdinal) == [0, 1, 2])
        #expect(r.docs.allSatisfy { $0.byteCount <= 8 })
        #expect(r.report.splitDocuments == 1)
    }

    @Test func readsFromAnyByteSource() throws {
        let text = ReaderTesting.corpus(documents: 40)
        let path = try TemporaryFolder.shared.file(named: "c.txt", text: text)
        let fromFile = try ReaderTesting.readAll(ParagraphTextReader(path: path, inputOrdinal: 0)).docs
        let source = ReaderTesting.MemorySource(Array(text.utf8), step: 5)
        let fromMemory = try ReaderTesting.readAll(ParagraphTextReader(source: source, inputOrdinal: 0,
                                                                       options: ReaderOptions(readChunkBytes: 3))).docs
        #expect(fromFile.count == 40)
        #expect(fromMemory == fromFile)
    }
}
