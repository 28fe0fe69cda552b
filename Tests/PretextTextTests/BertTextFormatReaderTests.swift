import Testing
import PretextTestSupport
@testable import PretextText

@Suite struct BertTextFormatReaderTests {
    func documents(_ text: String, maxDocumentBytes: Int = 1 << 20) throws -> (docs: [Document], counts: BertTextFormatReader.Counts) {
        let path = try TemporaryFolder.shared.file(named: "bert-format.txt", text: text)
        let reader = try BertTextFormatReader(path: path, inputOrdinal: 3, maxDocumentBytes: maxDocumentBytes)
        var docs: [Document] = []
        try reader.forEachDocument { docs.append($0) }
        return (docs, reader.counts)
    }

    func text(_ d: Document) -> [String] { d.sentences.map { String(decoding: $0, as: UTF8.self) } }

    @Test func blankLinesSeparateDocuments() throws {
        let r = try documents("One.\nTwo.\n\nThree.\r\n  \nFour.  \n\tFive.\n")
        #expect(r.docs.map(text) == [["One.", "Two."], ["Three."], ["Four.", "Five."]])
        #expect(r.docs.map(\.documentOrdinal) == [0, 1, 2])
        #expect(r.docs.allSatisfy { $0.inputOrdinal == 3 })
        #expect(r.counts.documents == 3 && r.counts.sentences == 5)
    }

    @Test func runsOfBlankLinesMakeNoEmptyDocuments() throws {
        let r = try documents("\n\n\nA.\n\n\n\nB.\n\n")
        #expect(r.docs.map(text) == [["A."], ["B."]])
        #expect(r.counts.emptyDocuments > 0)
    }

    @Test func oversizedDocumentsAreCutAndCounted() throws {
        let r = try documents("aaaa\nbbbb\ncccc\ndddd\n", maxDocumentBytes: 9)
        #expect(r.docs.map(text) == [["aaaa", "bbbb"], ["cccc", "dddd"]])
        #expect(r.counts.splitDocuments == 1)
    }

    @Test func emptyInputHasNoDocuments() throws {
        #expect(try documents("").docs.isEmpty)
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
