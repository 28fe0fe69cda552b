import PretextText

/// A group of documents on its way to a tokenizing thread, in three flat arrays: the text of
/// every segment back to back, where each segment ends, and one entry per document.
///
/// The reader hands over each document with an array per line; copying them here, on the
/// reading thread, lets those arrays be freed where they were allocated, and a worker then
/// receives (and frees) three arrays per group instead of one per line. Segment k of the group
/// is `bytes[segmentEnds[k - 1] ..< segmentEnds[k]]` (from 0 for k = 0); document d owns
/// segments `documents[d - 1].segmentEnd ..< documents[d].segmentEnd`.
struct GroupText: Sendable {
    struct Entry: Sendable {
        var inputOrdinal: UInt32
        var documentOrdinal: UInt64
        /// One sentence per segment (BERT text format), or paragraphs to split.
        var segmentsAreSentences: Bool
        /// One past the document's last segment.
        var segmentEnd: Int
        /// The document's text bytes.
        var byteCount: Int
    }

    private(set) var bytes: [UInt8] = []
    private(set) var segmentEnds: [Int] = []
    private(set) var documents: [Entry] = []

    var isEmpty: Bool { documents.isEmpty }
    /// Text bytes of all documents.
    var byteCount: Int { bytes.count }

    mutating func append(_ document: Document) {
        for segment in document.segments {
            bytes.append(contentsOf: segment)
            segmentEnds.append(bytes.count)
        }
        documents.append(Entry(inputOrdinal: document.inputOrdinal, documentOrdinal: document.documentOrdinal,
                               segmentsAreSentences: document.segmentsAreSentences, segmentEnd: segmentEnds.count,
                               byteCount: document.byteCount))
    }

    /// Calls `body` with each segment of document `d`, in order, as a view into `bytes`.
    func forEachSegment(ofDocument d: Int, in all: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        let first = d == 0 ? 0 : documents[d - 1].segmentEnd
        for k in first..<documents[d].segmentEnd {
            let start = k == 0 ? 0 : segmentEnds[k - 1]
            body(UnsafeBufferPointer(rebasing: all[start..<segmentEnds[k]]))
        }
    }
}
