import Testing
import PretextTestSupport
@testable import PretextText

@Suite struct BertTextFormatReaderTests {
    func documents(_ text: String, maxDocumentBytes: Int = 1 << 20) throws -> (docs: [Document], report: ReaderReport) {
        let path = try TemporaryFolder.shared.file(named: "bert-format.txt", text: text)
        let reader = try BertTextFormatReader(path: path, inputOrdinal: 3, options: ReaderOptions(maxDocumentBytes: maxDocumentBytes))
        return try ReaderTesting.readAll(reader)
    }

    func text(_ d: Document) -> [String] { ReaderTesting.texts(d) }

    @Test func blankLinesSeparateDocuments() throws {
        let r = try documents("One.\nTwo.\n\nThree.\r\n  \nFour.  \n\tFive.\n")
        #expect(r.docs.map(text) == [["One.", "Two."], ["Three."], ["Four.", "Five."]])
        #expect(r.docs.map(\.documentOrdinal) == [0, 1, 2])
        #expect(r.docs.allSatisfy { $0.inputOrdinal == 3 && $0.segmentsAreSentences && $0.externalID == nil })
        #expect(r.report.documents == 3 && r.report.segments == 5)
        #expect(r.report.crlfLines == 1)
        // The first CR LF line is reported once; later ones only counted.
        #expect(r.report.problems.map { $0.split(separator: ":").dropFirst().joined(separator: ":") } == ["4: line ends in CR LF: the CR is removed here and on every later such line (counted in input_crlf_lines)"])
    }

    @Test func runsOfBlankLinesMakeNoEmptyDocuments() throws {
        let r = try documents("\n\n\nA.\n\n\n\nB.\n\n")
        #expect(r.docs.map(text) == [["A."], ["B."]])
        #expect(r.report.emptyDocuments > 0)
    }

    @Test func oversizedDocumentsAreCutAndCounted() throws {
        let r = try documents("aaaa\nbbbb\ncccc\ndddd\n", maxDocumentBytes: 9)
        #expect(r.docs.map(text) == [["aaaa", "bbbb"], ["cccc", "dddd"]])
        #expect(r.docs.map(\.documentOrdinal) == [0, 1])
        #expect(r.report.splitDocuments == 1)
        #expect(r.report.problems.count == 1)
        #expect(r.report.problems.first?.hasSuffix(":3: document longer than 9 bytes cut here") == true)
    }

    @Test func emptyInputHasNoDocuments() throws {
        #expect(try documents("").docs.isEmpty)
        #expect(try documents("\n \n\t\n").docs.isEmpty)
    }

    @Test func emptyTailOfASplitLineDoesNotEndTheDocument() throws {
        // "abcdefgh " is 9 bytes > cap 8: pieces "abcdefgh" and " " (blank, but a continuation).
        let path = try TemporaryFolder.shared.file(named: "tail.txt", text: "abcdefgh \nnext\n\nother\n")
        let reader = try BertTextFormatReader(path: path, inputOrdinal: 0, options: ReaderOptions(maxLineBytes: 8))
        let r = try ReaderTesting.readAll(reader)
        #expect(r.docs.map(text) == [["abcdefgh", "next"], ["other"]])
        #expect(r.report.overlongLines == 1)
    }
}

@Suite struct VocabularyTests {
    @Test func byteVocabularyRoundTripsThroughAFile() throws {
        let v = UTF8ByteTokenizer.vocabulary
        #expect(v.count == UTF8ByteTokenizer.vocabularySize)
        #expect(v.token(UInt32(UInt8(ascii: "a"))) == "a")
        #expect(v.token(0x20) == "<0x20>")
        #expect(v.token(UTF8ByteTokenizer.endOfDocument) == "[EOD]")
        #expect(v.token(9999) == "<id 9999>")
        let path = try TemporaryFolder.shared.folder(named: "vocab") + "/vocab.txt"
        try v.write(to: path)
        #expect(try Vocabulary(vocabFile: path).tokens == v.tokens)
    }

    @Test func utf8BytesAreTheirOwnIDs() {
        var ids: [UInt32] = []
        UTF8ByteTokenizer.encode(Array("é!".utf8), into: &ids)
        #expect(ids == [0xC3, 0xA9, 0x21])
    }
}
