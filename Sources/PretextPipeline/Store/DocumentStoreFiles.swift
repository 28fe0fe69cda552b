import PretextCore
import PretextLabeling

/// The on-disk layout of the document store: stage 1 of a build writes it, stage 2 reads it by
/// random access, so NSP negatives can come from any document of the whole corpus.
///
/// The store is an intermediate of one build, read back on the same machine, so it is laid out
/// for reading, not for size: raw token ids that a negative reads with one `pread` and copies,
/// with no block to decompress. In `<output>/store/`, one pair of files per unit of documents:
/// - `unit-NNNNN.tokens`: per document, in unit order, its sentence ends (`u32` each: the
///   document's token count after each sentence, strictly increasing) followed by its tokens
///   (`token_width` bytes each, 2 or 4, little-endian). No header: the index says where each
///   document starts.
/// - `unit-NNNNN.docs` (the index): magic `PTXDOCS2`, `u32` token width, `u32` document count,
///   per document `u32` input ordinal, `u64` document ordinal, `u32` sentence count, `u32` token
///   count; then the XXH64 of the `.tokens` file, then the XXH64 of all preceding bytes.
/// Both are written under `.partial` names, synced and renamed, the index last, so a unit
/// whose index exists is whole. `DocumentStore` checks both checksums when it opens the store.
public enum DocumentStoreFiles {
    public static let folderName = "store"
    static let magic: [UInt8] = Array("PTXDOCS2".utf8)
    /// Bytes per document entry in the index.
    static let entryBytes = 20

    public static func tokensName(unit: Int) -> String { "unit-\(BuildRunner.pad(unit)).tokens" }
    public static func indexName(unit: Int) -> String { "unit-\(BuildRunner.pad(unit)).docs" }

    /// One document's entry in a unit's index.
    struct Entry: Equatable, Sendable {
        var inputOrdinal: UInt32
        var documentOrdinal: UInt64
        var sentenceCount: Int
        var tokenCount: Int
        /// Bytes of the document's record in the `.tokens` file.
        func recordBytes(tokenWidth: Int) -> Int { Self.recordBytes(sentences: sentenceCount, tokens: tokenCount, tokenWidth: tokenWidth) }
        /// A record: one `u32` end per sentence, then the tokens.
        static func recordBytes(sentences: Int, tokens: Int, tokenWidth: Int) -> Int { 4 * sentences + tokenWidth * tokens }
    }

    /// A unit's parsed index.
    struct UnitIndex {
        var tokenWidth: Int
        var entries: [Entry]
        var tokensChecksum: UInt64
        var tokensBytes: Int { entries.reduce(0) { $0 + $1.recordBytes(tokenWidth: tokenWidth) } }
    }

    /// Writes unit `unit` of the store in one go (a build streams it through a
    /// `DocumentStoreUnitWriter` instead). `tokenWidth` is 2 or 4 (ids must fit it); documents
    /// must have at least one sentence. Returns the bytes of the `.tokens` file.
    @discardableResult
    public static func writeUnit(folder: String, unit: Int, documents: [TokenizedDocument], tokenWidth: Int) throws -> Int {
        let writer = try DocumentStoreUnitWriter(folder: folder, unit: unit, tokenWidth: tokenWidth)
        try writer.append(try EncodedDocuments(documents, tokenWidth: tokenWidth, folder: folder))
        return try writer.finish()
    }

    /// Reads and checks a unit's index (magic, sizes, entries, its own checksum).
    static func readIndex(_ path: String) throws -> UnitIndex {
        let bytes = try PosixFile(path: path, mode: .readOnly).readAll()
        func fail(_ m: String) -> DocumentStoreError { DocumentStoreError(path: path, problem: m) }
        return try bytes.withUnsafeBytes { raw in
            guard raw.count >= 32, Array(raw[0..<8]) == magic else { throw fail("not a document index (bad magic or truncated)") }
            let stored = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self))
            guard XXHash64.hash(UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 8)])) == stored else { throw fail("checksum mismatch") }
            var c = ByteCursor(raw, offset: 8)
            let width = Int(try c.read(UInt32.self))
            guard width == 2 || width == 4 else { throw fail("token width \(width) (expected 2 or 4)") }
            let count = Int(try c.read(UInt32.self))
            guard raw.count == 16 + count * entryBytes + 16 else { throw fail("size \(raw.count) does not match \(count) documents") }
            var entries: [Entry] = []
            entries.reserveCapacity(count)
            for d in 0..<count {
                let entry = Entry(inputOrdinal: try c.read(), documentOrdinal: try c.read(),
                                  sentenceCount: Int(try c.read(UInt32.self)), tokenCount: Int(try c.read(UInt32.self)))
                guard entry.sentenceCount >= 1, entry.sentenceCount <= entry.tokenCount else {
                    throw fail("document \(d): \(entry.sentenceCount) sentences for \(entry.tokenCount) tokens")
                }
                entries.append(entry)
            }
            return UnitIndex(tokenWidth: width, entries: entries, tokensChecksum: try c.read())
        }
    }
}

/// A damaged or inconsistent document store file.
public struct DocumentStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}
