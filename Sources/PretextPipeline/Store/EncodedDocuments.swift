import PretextCore
import PretextLabeling

/// Tokenized documents in the document store's layout (records of `unit-NNNNN.tokens`, entries
/// of its index), ready to append to a unit: what a tokenizing thread hands to the thread that
/// writes the store, so that the writer only appends bytes and no token array crosses threads.
public struct EncodedDocuments: Sendable {
    public let tokenWidth: Int
    /// The documents' records back to back: per document its sentence ends (`u32`), then its
    /// tokens (`tokenWidth` bytes each), little-endian.
    let records: [UInt8]
    /// The documents' index entries, in the same order.
    let entries: [DocumentStoreFiles.Entry]

    public var count: Int { entries.count }

    /// Encodes `documents` (each with at least one sentence, ids below 2^(8·tokenWidth)).
    /// Throws `DocumentStoreError` (naming `folder`) for a document with more tokens than an
    /// entry holds.
    public init(_ documents: [TokenizedDocument], tokenWidth: Int, folder: String) throws {
        precondition(tokenWidth == 2 || tokenWidth == 4, "token width \(tokenWidth)")
        self.tokenWidth = tokenWidth
        var total = 0
        var entries: [DocumentStoreFiles.Entry] = []
        entries.reserveCapacity(documents.count)
        for doc in documents {
            guard doc.tokens.count <= Int(UInt32.max) else {
                throw DocumentStoreError(path: folder, problem: "document \(doc.documentOrdinal) of input \(doc.inputOrdinal) has \(doc.tokens.count) tokens, more than a store entry holds")
            }
            entries.append(DocumentStoreFiles.Entry(inputOrdinal: doc.inputOrdinal, documentOrdinal: doc.documentOrdinal,
                                                    sentenceCount: doc.sentenceCount, tokenCount: doc.tokens.count))
            total += DocumentStoreFiles.Entry.recordBytes(sentences: doc.sentenceCount, tokens: doc.tokens.count, tokenWidth: tokenWidth)
        }
        records = [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
            let out = UnsafeMutableRawBufferPointer(buffer)
            var at = 0
            for doc in documents {
                for end in doc.sentenceEnds {
                    out.storeBytes(of: UInt32(end).littleEndian, toByteOffset: at, as: UInt32.self)
                    at += 4
                }
                if tokenWidth == 2 {
                    for t in doc.tokens {
                        out.storeBytes(of: UInt16(truncatingIfNeeded: t).littleEndian, toByteOffset: at, as: UInt16.self)
                        at += 2
                    }
                } else {
                    for t in doc.tokens {
                        out.storeBytes(of: t.littleEndian, toByteOffset: at, as: UInt32.self)
                        at += 4
                    }
                }
            }
            precondition(at == total, "store record size mismatch")
            count = total
        }
        self.entries = entries
    }
}
