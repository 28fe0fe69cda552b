import PretextCore
import PretextLabeling
import PretextShards

/// The tokenized corpus on disk: stage 1 of a build writes it, stage 2 reads it by random
/// access, so NSP negatives can come from any document of the whole corpus while memory holds
/// only one block per open shard.
///
/// Layout, in `<output>/store/`, one pair of files per unit of documents:
/// - `unit-NNNNN.ptxs`: a shard (docs/FORMAT.md) with one record per sentence, provenance set;
/// - `unit-NNNNN.docs`: magic `PTXDOCS1`, `u32` document count, one `u32` sentence count per
///   document, then XXH64 of all preceding bytes.
/// Both are written under `.partial` names and renamed after fsync, so a unit either exists
/// whole or not at all.
public enum DocumentStoreFiles {
    public static let folderName = "store"
    /// Uncompressed block size of store shards (4 KiB): an NSP negative decodes one small block.
    public static let storeBlockTargetLength = 4 << 10
    static let magic: [UInt8] = Array("PTXDOCS1".utf8)

    public static func shardName(unit: Int) -> String { "unit-\(pad(unit)).\(ShardFormat.fileExtension)" }
    public static func indexName(unit: Int) -> String { "unit-\(pad(unit)).docs" }

    static func pad(_ n: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, 5 - s.count)) + s
    }

    /// Writes unit `unit` of the store; returns the shard summary.
    public static func writeUnit(folder: String, unit: Int, documents: [TokenizedDocument], tokenWidth: Int, vocabularySize: UInt32) throws -> ShardFileSummary {
        try PosixFile.makeDirectories(folder)
        let header = ShardHeader(schema: ShardSchema(tokenWidth: tokenWidth, hasPairs: false, hasMasks: false),
                                 filter: .recommended(forTokenWidth: tokenWidth), vocabularySize: vocabularySize,
                                 blockLengthLimit: UInt32(ShardFormat.defaultBlockLengthLimit),
                                 metadata: #"{"kind":"document-store"}"#)
        // Small blocks: an NSP negative reads one or two sentences, and decodes one block for them.
        let writer = try ShardWriter(path: folder + "/" + shardName(unit: unit), header: header, blockTargetLength: storeBlockTargetLength)
        var index = LittleEndianWriter(capacity: 12 + documents.count * 4)
        index.append(bytes: magic)
        index.append(UInt32(documents.count))
        for doc in documents {
            index.append(UInt32(doc.sentenceCount))
            for k in 0..<doc.sentenceCount {
                try writer.append(ShardRecord(tokens: Array(doc.sentence(k)), inputOrdinal: doc.inputOrdinal, documentOrdinal: doc.documentOrdinal))
            }
        }
        index.append(XXHash64.hash(index.bytes))
        let indexPath = folder + "/" + indexName(unit: unit)
        let partial = indexPath + ShardWriter.partialSuffix
        let file = try PosixFile(path: partial, mode: .createTruncate)
        try file.writeAll(index.bytes)
        try file.sync()
        try file.close()
        try PosixFile.rename(partial, to: indexPath)
        return try writer.finish()
    }

    /// Reads a unit's document index: sentence count per document.
    static func readIndex(_ path: String) throws -> [UInt32] {
        let mapped = try MappedFile(path: path)
        let bytes = mapped.bytes
        func fail(_ m: String) -> ShardFormatError { ShardFormatError(path: path, region: .file, byteOffset: 0, problem: m) }
        guard bytes.count >= 20, Array(bytes[0..<8]) == magic else { throw fail("not a document index (bad magic or truncated)") }
        var c = ByteCursor(bytes, offset: 8)
        let count = Int(try c.read(UInt32.self))
        guard bytes.count == 12 + 4 * count + 8 else { throw fail("size \(bytes.count) does not match \(count) documents") }
        let stored = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
        guard XXHash64.hash(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 8)])) == stored else { throw fail("checksum mismatch") }
        return try (0..<count).map { _ in try c.read(UInt32.self) }
    }
}

/// Random access to the documents of a store (one instance per thread: readers are not
/// thread-safe). Document i is numbered across units in unit order.
public final class DocumentStore: DocumentSource {
    public let folder: String
    private let units: [Int]
    /// First global document of each unit, plus the total.
    private let unitStart: [Int]
    /// Per unit: first record of each document, plus the unit's record total.
    private let firstRecord: [[UInt64]]
    /// Open readers by unit position, at most `maxOpenReaders` (least recently used closed
    /// first), so a store of many units keeps a bounded number of mappings.
    private var readers: [Int: (reader: ShardReader, lastUse: Int)] = [:]
    private var clock = 0
    static let maxOpenReaders = 64

    public init(folder: String, units: [Int]) throws {
        self.folder = folder
        self.units = units
        var starts = [0]
        var firsts: [[UInt64]] = []
        for unit in units {
            let counts = try DocumentStoreFiles.readIndex(folder + "/" + DocumentStoreFiles.indexName(unit: unit))
            var f: [UInt64] = [0]
            f.reserveCapacity(counts.count + 1)
            for c in counts { f.append(f.last! + UInt64(c)) }
            firsts.append(f)
            starts.append(starts.last! + counts.count)
        }
        unitStart = starts
        firstRecord = firsts
    }

    public var documentCount: Int { unitStart.last! }

    /// Documents in unit position `u` (index into `units`).
    public func documentRange(unitPosition u: Int) -> Range<Int> { unitStart[u]..<unitStart[u + 1] }

    /// (unit position, first record, end record) of document `index`.
    private func locate(_ index: Int) -> (Int, UInt64, UInt64) {
        precondition(index >= 0 && index < documentCount, "document \(index) out of range")
        var lo = 0, hi = units.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if unitStart[mid] <= index { lo = mid } else { hi = mid }
        }
        let local = index - unitStart[lo]
        return (lo, firstRecord[lo][local], firstRecord[lo][local + 1])
    }

    public func sentenceCount(_ index: Int) throws -> Int {
        let (_, first, end) = locate(index)
        return Int(end - first)
    }

    public func document(_ index: Int) throws -> TokenizedDocument {
        let (u, first, end) = locate(index)
        let reader = try reader(u)
        try checkRange(reader, end)
        var doc = TokenizedDocument(inputOrdinal: 0, documentOrdinal: 0)
        let record = try reader.record(first)
        doc.inputOrdinal = record.inputOrdinal
        doc.documentOrdinal = record.documentOrdinal
        for r in first..<end {
            try reader.withTokens(ofRecord: r) { column, range in
                let start = doc.tokens.count
                doc.tokens.append(contentsOf: repeatElement(0, count: range.count))
                doc.tokens.withUnsafeMutableBufferPointer { column.copy(range, into: $0.baseAddress! + start) }
                doc.sentenceEnds.append(doc.tokens.count)
            }
        }
        return doc
    }

    public func appendSentences(of index: Int, from start: Int, to tokens: inout [UInt32], until target: Int) throws {
        let (u, first, end) = locate(index)
        let reader = try reader(u)
        try checkRange(reader, end)
        var r = first + UInt64(start)
        while r < end {
            try reader.withTokens(ofRecord: r) { column, range in
                let at = tokens.count
                tokens.append(contentsOf: repeatElement(0, count: range.count))
                tokens.withUnsafeMutableBufferPointer { column.copy(range, into: $0.baseAddress! + at) }
            }
            if tokens.count >= target { break }
            r += 1
        }
    }

    private func checkRange(_ reader: ShardReader, _ end: UInt64) throws {
        guard end <= reader.recordCount else {
            throw ShardFormatError(path: reader.path, region: .file, byteOffset: 0,
                                   problem: "document index says \(end) records, the shard holds \(reader.recordCount)")
        }
    }

    private func reader(_ u: Int) throws -> ShardReader {
        clock += 1
        if let entry = readers[u] {
            readers[u] = (entry.reader, clock)
            return entry.reader
        }
        if readers.count >= Self.maxOpenReaders, let oldest = readers.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            readers[oldest] = nil
        }
        let r = try ShardReader(path: folder + "/" + DocumentStoreFiles.shardName(unit: units[u]))
        r.readsBlocksWithPread = true  // negatives visit the whole store at random
        readers[u] = (r, clock)
        return r
    }
}
