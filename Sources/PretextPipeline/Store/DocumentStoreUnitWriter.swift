import PretextCore

/// Writes one unit of the document store as its documents arrive, in order.
///
/// Records are appended to `unit-NNNNN.tokens.partial` as they come (hashed on the way);
/// `finish()` syncs it, writes the index (`unit-NNNNN.docs`, through its own `.partial`),
/// renames the tokens file and syncs the folder, so a unit whose files both exist under their
/// final names is whole (layout: `DocumentStoreFiles`). Memory: the index entries, 32 bytes
/// per document. A writer dropped before `finish()` removes its partial file.
public final class DocumentStoreUnitWriter {
    public let folder: String
    public let unit: Int
    public let tokenWidth: Int
    private let partialPath: String
    private var file: PosixFile?
    private var hash = XXHash64()
    private var entries: [DocumentStoreFiles.Entry] = []
    /// Bytes of the `.tokens` file so far.
    public private(set) var bytesWritten = 0

    public init(folder: String, unit: Int, tokenWidth: Int) throws {
        precondition(tokenWidth == 2 || tokenWidth == 4, "token width \(tokenWidth)")
        self.folder = folder
        self.unit = unit
        self.tokenWidth = tokenWidth
        try PosixFile.makeDirectories(folder)
        partialPath = folder + "/" + DocumentStoreFiles.tokensName(unit: unit) + ".partial"
        file = try PosixFile(path: partialPath, mode: .createTruncate)
    }

    deinit {
        if let file {
            try? file.close()
            try? PosixFile.removeIfPresent(partialPath)
        }
    }

    /// Appends `documents` (encoded with this writer's token width) after those already written.
    public func append(_ documents: EncodedDocuments) throws {
        precondition(documents.tokenWidth == tokenWidth, "documents encoded for another token width")
        guard let file else { preconditionFailure("DocumentStoreUnitWriter used after finish()") }
        try documents.records.withUnsafeBytes { bytes in
            try file.writeAll(bytes)
            hash.update(bytes)
        }
        bytesWritten += documents.records.count
        entries.append(contentsOf: documents.entries)
    }

    /// Makes the unit durable under its final names; returns the bytes of its `.tokens` file.
    @discardableResult
    public func finish() throws -> Int {
        guard let file else { preconditionFailure("DocumentStoreUnitWriter finished twice") }
        try file.sync()
        try file.close()
        self.file = nil
        var index = LittleEndianWriter(capacity: 16 + entries.count * DocumentStoreFiles.entryBytes + 16)
        index.append(bytes: DocumentStoreFiles.magic)
        index.append(UInt32(tokenWidth))
        index.append(UInt32(entries.count))
        for entry in entries {
            index.append(entry.inputOrdinal)
            index.append(entry.documentOrdinal)
            index.append(UInt32(entry.sentenceCount))
            index.append(UInt32(entry.tokenCount))
        }
        index.append(hash.digest())
        index.append(XXHash64.hash(index.bytes))
        try PosixFile.rename(partialPath, to: folder + "/" + DocumentStoreFiles.tokensName(unit: unit))
        try PosixFile.writeAtomically(index.bytes, to: folder + "/" + DocumentStoreFiles.indexName(unit: unit))
        try PosixFile.syncDirectory(folder)
        return bytesWritten
    }
}
