import PretextCore
import PretextLabeling

/// Where every document of a store is: read once from the units' indexes, checked, and shared
/// by the readers of all threads. Memory: 16 bytes per document of the store; no tokens.
/// Document i is numbered across units in unit order.
public final class DocumentStoreIndex: Sendable {
    public let folder: String
    let units: [Int]
    /// Bytes per stored token id (2 or 4).
    let tokenWidth: Int
    /// First document of each unit position, plus the total.
    let unitStart: [Int]
    /// Per document: byte offset of its record in its unit's `.tokens` file.
    let recordOffset: [UInt64]
    let sentenceCounts: [UInt32]
    let tokenCounts: [UInt32]

    /// Per unit position: documents of this input in the unit are numbered from `base`
    /// within their input (a unit reads its inputs' parts from their own first document, and
    /// only its first input can have documents in earlier units).
    let ordinalBases: [(input: UInt32, base: UInt64)]

    /// Opens the store of `units` in `folder`: reads every unit's index (checked against its
    /// own XXH64) and checks each `.tokens` file against its size and, for the units
    /// `verify` accepts (a task's own, which it reads whole), its XXH64 (on `threads` threads,
    /// 1 MiB at a time): a task of a distributed build does not re-hash the whole store for a
    /// few negatives. `ordinalBases[unit]` renumbers that unit's documents of one input
    /// (`documents(_:)` adds the base).
    public init(folder: String, units: [Int], threads: Int = 1, verify: @Sendable (Int) -> Bool = { _ in true },
                ordinalBases: [Int: (input: UInt32, base: UInt64)] = [:]) throws {
        self.folder = folder
        self.units = units
        self.ordinalBases = units.map { ordinalBases[$0] ?? (0, 0) }
        let indexes = try OrderedParallelMap.map(units, threads: threads) { unit in
            Result { () throws -> DocumentStoreFiles.UnitIndex in
                let index = try DocumentStoreFiles.readIndex(folder + "/" + DocumentStoreFiles.indexName(unit: unit))
                let path = folder + "/" + DocumentStoreFiles.tokensName(unit: unit)
                let size: UInt64
                if verify(unit) {
                    let (checksum, bytes) = try FileChecksum.xxh64(ofFile: path)
                    size = bytes
                    // A wrong size is reported as such below; a right size with a wrong hash here.
                    if size == UInt64(index.tokensBytes) && checksum != index.tokensChecksum {
                        throw DocumentStoreError(path: path, problem: "checksum mismatch")
                    }
                } else {
                    size = try PosixFile(path: path, mode: .readOnly).size()
                }
                guard size == UInt64(index.tokensBytes) else {
                    throw DocumentStoreError(path: path, problem: "size \(size) bytes, the index says \(index.tokensBytes) (truncated?)")
                }
                return index
            }
        }.map { try $0.get() }
        tokenWidth = indexes.first?.tokenWidth ?? 2
        var starts = [0], offsets: [UInt64] = [], sentences: [UInt32] = [], tokens: [UInt32] = []
        for (unit, index) in zip(units, indexes) {
            guard index.tokenWidth == tokenWidth else {
                throw DocumentStoreError(path: folder + "/" + DocumentStoreFiles.indexName(unit: unit),
                                         problem: "token width \(index.tokenWidth), other units have \(tokenWidth)")
            }
            var offset: UInt64 = 0
            for entry in index.entries {
                offsets.append(offset)
                sentences.append(UInt32(entry.sentenceCount))
                tokens.append(UInt32(entry.tokenCount))
                offset += UInt64(entry.recordBytes(tokenWidth: tokenWidth))
            }
            starts.append(starts.last! + index.entries.count)
        }
        unitStart = starts
        recordOffset = offsets
        sentenceCounts = sentences
        tokenCounts = tokens
    }

    public var documentCount: Int { unitStart.last! }

    /// Bytes of document `i`'s record in its unit's `.tokens` file.
    func recordBytes(_ i: Int) -> Int {
        DocumentStoreFiles.Entry.recordBytes(sentences: Int(sentenceCounts[i]), tokens: Int(tokenCounts[i]), tokenWidth: tokenWidth)
    }

    /// Documents in unit position `u` (index into the store's units).
    public func documentRange(unitPosition u: Int) -> Range<Int> { unitStart[u]..<unitStart[u + 1] }

    /// The unit position holding document `index`.
    func unitPosition(of index: Int) -> Int {
        precondition(index >= 0 && index < documentCount, "document \(index) out of range")
        var lo = 0, hi = units.count
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if unitStart[mid] <= index { lo = mid } else { hi = mid }
        }
        return lo
    }
}

/// Random access to the documents of a store for one thread (it keeps open files and a
/// buffer, so it is not thread-safe; give each thread its own over a shared index).
/// A negative reads with one `pread` (a small document whole) or two (a large document's
/// sentence ends, then the tokens it takes) and copies;
/// memory is the index plus one buffer of the largest read.
public final class DocumentStore: DocumentSource {
    public let index: DocumentStoreIndex
    /// Open `.tokens` and `.docs` files by unit position, at most `maxOpenFiles` units (least
    /// recently used closed first), so a store of many units keeps a bounded number of descriptors.
    private var files: [Int: (tokens: PosixFile, index: PosixFile, lastUse: Int)] = [:]
    private var clock = 0
    private var buffer: [UInt8] = []
    static let maxOpenFiles = 64

    public init(index: DocumentStoreIndex) { self.index = index }

    /// Opens (and checks) the store of `units` in `folder` for one reader.
    public convenience init(folder: String, units: [Int]) throws {
        self.init(index: try DocumentStoreIndex(folder: folder, units: units))
    }

    public var documentCount: Int { index.documentCount }

    public func documentRange(unitPosition u: Int) -> Range<Int> { index.documentRange(unitPosition: u) }

    public func sentenceCount(_ i: Int) throws -> Int {
        precondition(i >= 0 && i < documentCount, "document \(i) out of range")
        return Int(index.sentenceCounts[i])
    }

    public func document(_ i: Int) throws -> TokenizedDocument {
        try documents(i..<(i + 1))[0]
    }

    /// Documents `range`, which must lie in one unit, with one read of their records and one
    /// of their index entries.
    public func documents(_ range: Range<Int>) throws -> [TokenizedDocument] {
        guard !range.isEmpty else { return [] }
        let u = index.unitPosition(of: range.lowerBound)
        precondition(range.upperBound <= index.unitStart[u + 1], "documents \(range) span units")
        let width = index.tokenWidth
        let first = range.lowerBound, last = range.upperBound - 1
        let start = index.recordOffset[first]
        let end = index.recordOffset[last] + UInt64(index.recordBytes(last))
        let (file, indexFile) = try self.file(u)
        try read(file, Int(end - start), at: start)
        // Provenance comes from the index file: it is not kept in memory.
        let entries = try indexFile.read(count: range.count * DocumentStoreFiles.entryBytes,
                                         at: UInt64(16 + (first - index.unitStart[u]) * DocumentStoreFiles.entryBytes))
        var out: [TokenizedDocument] = []
        out.reserveCapacity(range.count)
        try buffer.withUnsafeBytes { raw in try entries.withUnsafeBytes { entryBytes in
            var entry = ByteCursor(entryBytes)
            var at = 0
            for i in range {
                var doc = TokenizedDocument(inputOrdinal: try entry.read(), documentOrdinal: try entry.read())
                let rebase = index.ordinalBases[u]
                if doc.inputOrdinal == rebase.input { doc.documentOrdinal += rebase.base }
                try entry.skip(DocumentStoreFiles.entryBytes - 12)
                let sentences = Int(index.sentenceCounts[i]), tokens = Int(index.tokenCounts[i])
                doc.sentenceEnds = try sentenceEnds(raw, at: at, count: sentences, tokens: tokens, document: i, path: file.path)
                at += 4 * sentences
                doc.tokens = [UInt32](unsafeUninitializedCapacity: tokens) { out, n in
                    Self.widen(UnsafeRawBufferPointer(rebasing: raw[at..<(at + width * tokens)]), width: width, into: out.baseAddress!)
                    n = tokens
                }
                at += width * tokens
                out.append(doc)
            }
        } }
        return out
    }

    public func appendSentences(of i: Int, from start: Int, to tokens: inout [UInt32], until target: Int) throws {
        let sentences = try sentenceCount(i)
        guard start < sentences else { return }
        let u = index.unitPosition(of: i)
        let file = try file(u).tokens
        let width = index.tokenWidth, total = Int(index.tokenCounts[i])
        let record = index.recordOffset[i], recordBytes = index.recordBytes(i)
        // A small document is read whole, in one read; a large one in two: the ends of
        // sentences start-1 … last (where sentence `start` begins and where to stop), then
        // only the tokens taken.
        let whole = recordBytes <= Self.wholeRecordBytes
        let from = whole ? 0 : max(0, start - 1)
        try read(file, whole ? recordBytes : 4 * (sentences - from), at: record + UInt64(4 * from))
        let (first, stop) = try buffer.withUnsafeBytes { raw -> (Int, Int) in
            func end(_ k: Int) -> Int { Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * (k - from), as: UInt32.self))) }
            let first = start == 0 ? 0 : end(start - 1)
            var k = start, stop = first
            var previous = first
            while k < sentences {
                stop = end(k)
                guard stop > previous, stop <= total else {
                    throw DocumentStoreError(path: file.path, problem: "document \(i): sentence end \(stop) after \(previous) of \(total) tokens")
                }
                previous = stop
                k += 1
                if tokens.count + (stop - first) >= target { break }
            }
            return (first, stop)
        }
        // Where token `first` sits in the record; in the buffer, where the taken tokens start.
        let firstToken = 4 * sentences + width * first
        let tokenBytes = whole ? firstToken : 0
        if !whole { try read(file, width * (stop - first), at: record + UInt64(firstToken)) }
        let at = tokens.count
        tokens.append(contentsOf: repeatElement(0, count: stop - first))
        buffer.withUnsafeBytes { raw in
            tokens.withUnsafeMutableBufferPointer {
                Self.widen(UnsafeRawBufferPointer(rebasing: raw[tokenBytes..<(tokenBytes + width * (stop - first))]), width: width, into: $0.baseAddress! + at)
            }
        }
    }

    /// Documents whose record is at most this many bytes are read whole for a negative.
    static let wholeRecordBytes = 16 << 10

    /// Reads and checks `count` sentence ends at `at` of `raw`: strictly increasing, the last
    /// one equal to the document's token count.
    private func sentenceEnds(_ raw: UnsafeRawBufferPointer, at: Int, count: Int, tokens: Int, document: Int, path: String) throws -> [Int] {
        var ends: [Int] = []
        ends.reserveCapacity(count)
        var previous = 0
        for k in 0..<count {
            let end = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4 * k, as: UInt32.self)))
            guard end > previous, end <= tokens, k < count - 1 || end == tokens else {
                throw DocumentStoreError(path: path, problem: "document \(document): sentence end \(end) after \(previous) of \(tokens) tokens")
            }
            ends.append(end)
            previous = end
        }
        return ends
    }

    /// Little-endian ids of `width` bytes → `UInt32`s.
    @inline(__always)
    private static func widen(_ raw: UnsafeRawBufferPointer, width: Int, into out: UnsafeMutablePointer<UInt32>) {
        let n = raw.count / width
        if width == 2 {
            for k in 0..<n { out[k] = UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self))) }
        } else {
            for k in 0..<n { out[k] = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self)) }
        }
    }

    /// Reads `count` bytes at `offset` of `file` into `buffer` (grown as needed).
    private func read(_ file: PosixFile, _ count: Int, at offset: UInt64) throws {
        if buffer.count < count { buffer = [UInt8](repeating: 0, count: max(count, 2 * buffer.count, 4096)) }
        try buffer.withUnsafeMutableBytes { try file.readExactly(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<count]), at: offset) }
    }

    /// The `.tokens` and `.docs` files of unit position `u`, opened on first use.
    private func file(_ u: Int) throws -> (tokens: PosixFile, index: PosixFile) {
        clock += 1
        if let entry = files[u] {
            files[u] = (entry.tokens, entry.index, clock)
            return (entry.tokens, entry.index)
        }
        if files.count >= Self.maxOpenFiles, let oldest = files.min(by: { $0.value.lastUse < $1.value.lastUse })?.key,
           let evicted = files.removeValue(forKey: oldest) {
            try evicted.tokens.close()
            try evicted.index.close()
        }
        let unit = index.units[u]
        let tokens = try PosixFile(path: index.folder + "/" + DocumentStoreFiles.tokensName(unit: unit), mode: .readOnly)
        let indexFile = try PosixFile(path: index.folder + "/" + DocumentStoreFiles.indexName(unit: unit), mode: .readOnly)
        files[u] = (tokens, indexFile, clock)
        return (tokens, indexFile)
    }
}
