import Testing
import PretextText
@testable import PretextPipeline

@Suite struct GroupTextTests {
    /// Each document's segments come back in order, byte for byte, with its provenance,
    /// whatever their number (including none) and length (including empty).
    @Test func documentsComeBackSegmentBySegment() {
        let documents = [
            Document(inputOrdinal: 0, documentOrdinal: 0, segments: [Array("first.".utf8), Array("second one.".utf8)], segmentsAreSentences: true),
            Document(inputOrdinal: 0, documentOrdinal: 1, segments: [], segmentsAreSentences: true),
            Document(inputOrdinal: 2, documentOrdinal: 7, segments: [Array("한국어 문단. 둘째.".utf8), [], Array("x".utf8)], segmentsAreSentences: false),
        ]
        var group = GroupText()
        #expect(group.isEmpty)
        for d in documents { group.append(d) }
        #expect(!group.isEmpty && group.documents.count == 3)
        #expect(group.byteCount == documents.reduce(0) { $0 + $1.byteCount })
        group.bytes.withUnsafeBufferPointer { all in
            for (d, document) in documents.enumerated() {
                var segments: [[UInt8]] = []
                group.forEachSegment(ofDocument: d, in: all) { segments.append(Array($0)) }
                #expect(segments == document.segments)
                let entry = group.documents[d]
                #expect(entry.inputOrdinal == document.inputOrdinal && entry.documentOrdinal == document.documentOrdinal)
                #expect(entry.segmentsAreSentences == document.segmentsAreSentences && entry.byteCount == document.byteCount)
            }
        }
    }
}
