/// The records of one block, decoded into flat columns.
///
/// Shapes: `tokenOffsets` has `count + 1` entries and record i's tokens are
/// `tokens[tokenOffsets[i]..<tokenOffsets[i+1]]` (a view into the payload, not a copy); `maskOffsets` likewise indexes
/// `maskedPositions`/`maskedIDs` (empty arrays when the schema has no masks);
/// `segmentBoundaries`/`pairLabels` have `count` entries or none.
///
/// Storage reuse: `decode(_:into:…)` overwrites an existing value's arrays in place, so a
/// reader that decodes block after block into one value allocates nothing once warmed up
/// (as long as the caller does not keep copies, which copy-on-write would then preserve).
public struct DecodedBlock: Sendable {
    public internal(set) var count: Int = 0
    public internal(set) var tokenOffsets: [Int] = [0]
    /// The uncompressed block; `tokens` reads from it in place.
    var payload: [UInt8] = []
    public internal(set) var tokens = TokenColumn(payload: [], start: 0, count: 0, width: 2, shuffled: false)
    public internal(set) var segmentBoundaries: [UInt32] = []
    public internal(set) var pairLabels: [UInt8] = []
    public internal(set) var maskOffsets: [Int] = []
    public internal(set) var maskedPositions: [UInt32] = []
    public internal(set) var maskedIDs: [UInt32] = []
    public internal(set) var inputOrdinals: [UInt32] = []
    public internal(set) var documentOrdinals: [UInt64] = []

    public init() {}

    /// Tokens of record `i` (0-based within the block).
    public func tokens(of i: Int) -> Slice<TokenColumn> { tokens[tokenOffsets[i]..<tokenOffsets[i + 1]] }

    /// Record `i` as an owned value.
    public func record(_ i: Int) -> ShardRecord {
        let hasMasks = !maskOffsets.isEmpty
        let m = hasMasks ? maskOffsets[i]..<maskOffsets[i + 1] : 0..<0
        let range = tokenOffsets[i]..<tokenOffsets[i + 1]
        let ids = [UInt32](unsafeUninitializedCapacity: range.count) { buffer, count in
            if range.count > 0 { tokens.copy(range, into: buffer.baseAddress!) }
            count = range.count
        }
        return ShardRecord(
            tokens: ids,
            segmentBoundary: segmentBoundaries.isEmpty ? nil : segmentBoundaries[i],
            pairLabel: pairLabels.isEmpty ? nil : pairLabels[i],
            maskedPositions: Array(maskedPositions[m]),
            maskedIDs: Array(maskedIDs[m]),
            inputOrdinal: inputOrdinals[i],
            documentOrdinal: documentOrdinals[i])
    }

    /// A problem found while decoding; the reader adds file, block and offset.
    struct Problem: Error { let message: String }

    /// Makes `array` hold exactly `n` elements, keeping its capacity (new elements are 0).
    @inline(__always)
    static func resize<T: FixedWidthInteger>(_ array: inout [T], to n: Int) {
        if array.count > n {
            array.removeLast(array.count - n)
        } else if array.count < n {
            array.append(contentsOf: repeatElement(0, count: n - array.count))
        }
    }

    /// Decodes `count` records from the uncompressed payload in `block.payload`, checking every
    /// length against the bytes present and every value against the record it belongs to.
    /// On a thrown error `block` holds partial data and must not be used.
    /// - Parameters:
    ///   - expectedTokens: the token count the block index declares for this block.
    ///   - vocabularySize: ids must be below it (0 = unchecked).
    static func decode(
        payloadLength: Int, count n: Int, expectedTokens: Int,
        schema: ShardSchema, filter: ShardFilter, vocabularySize: UInt32, into block: inout DecodedBlock
    ) throws {
        // Drop the previous view first so that `block.payload` stays uniquely referenced.
        block.tokens = TokenColumn(payload: [], start: 0, count: 0, width: schema.tokenWidth, shuffled: false)
        try block.payload.withUnsafeBytes { whole in
            try decodeColumns(UnsafeRawBufferPointer(rebasing: whole[0..<payloadLength]), count: n, expectedTokens: expectedTokens,
                              schema: schema, filter: filter, vocabularySize: vocabularySize, into: &block)
        }
        block.tokens = TokenColumn(payload: block.payload, start: block.tokensStart, count: block.tokenOffsets[n],
                                   width: schema.tokenWidth, shuffled: filter == .byteShuffle)
    }

    /// Byte offset of the token column in `payload` (set by `decodeColumns`).
    var tokensStart = 0

    private static func decodeColumns(
        _ payload: UnsafeRawBufferPointer, count n: Int, expectedTokens: Int,
        schema: ShardSchema, filter: ShardFilter, vocabularySize: UInt32, into block: inout DecodedBlock
    ) throws {
        let shuffled = filter == .byteShuffle
        let w = schema.tokenWidth
        var at = 0
        func take(_ count: Int, _ k: Int, _ what: String) throws -> UnsafeRawBufferPointer {
            let (bytes, overflow) = count.multipliedReportingOverflow(by: k)
            guard !overflow, bytes <= payload.count - at else {
                throw Problem(message: "\(what) needs \(count) × \(k) bytes at payload offset \(at) but only \(payload.count - at) remain")
            }
            defer { at += bytes }
            return UnsafeRawBufferPointer(rebasing: payload[at..<(at + bytes)])
        }
        /// Decodes `count` values of width `k` into `column`; returns the largest value.
        @discardableResult
        func column(_ column: inout [UInt32], _ count: Int, width k: Int, _ what: String) throws -> UInt32 {
            let src = try take(count, k, what)
            resize(&column, to: count)
            if count == 0 { return 0 }
            return column.withUnsafeMutableBufferPointer { ByteShuffle.decode32(src, width: k, count: count, shuffled: shuffled, into: $0.baseAddress!) }
        }
        func offsets(_ lengths: [UInt32], into o: inout [Int]) {
            resize(&o, to: lengths.count + 1)
            o.withUnsafeMutableBufferPointer { o in
                o[0] = 0
                for i in 0..<lengths.count { o[i + 1] = o[i] + Int(lengths[i]) }
            }
        }
        func checkIDs(_ maxID: UInt32, _ count: Int, _ what: String) throws {
            if vocabularySize > 0 && count > 0 && maxID >= vocabularySize {
                throw Problem(message: "\(what) holds id \(maxID), outside the vocabulary of \(vocabularySize)")
            }
        }

        block.count = n
        var lengths = block.maskedPositions  // borrow a scratch array; replaced below
        lengths.removeAll(keepingCapacity: true)
        block.maskedPositions = []
        try column(&lengths, n, width: 4, "tokens lengths")
        offsets(lengths, into: &block.tokenOffsets)
        let total = block.tokenOffsets[n]
        guard total == expectedTokens else {
            throw Problem(message: "records hold \(total) tokens but the index declares \(expectedTokens)")
        }
        block.tokensStart = at
        let tokenBytes = try take(total, w, "tokens")
        try checkIDs(ByteShuffle.maximum(tokenBytes, width: w, count: total, shuffled: shuffled), total, "tokens")
        let tokenLengths = lengths

        if schema.hasSegments {
            try column(&block.segmentBoundaries, n, width: 4, "segment_boundary")
            for i in 0..<n {
                let b = block.segmentBoundaries[i], len = tokenLengths[i]
                guard b > 0, b <= len else { throw Problem(message: "record \(i): segment_boundary \(b) outside 1...\(len)") }
            }
        } else {
            block.segmentBoundaries.removeAll(keepingCapacity: true)
        }
        if schema.hasPairs {
            let src = try take(n, 1, "pair_label")
            block.pairLabels.removeAll(keepingCapacity: true)
            block.pairLabels.append(contentsOf: src)
            for i in 0..<n {
                guard block.pairLabels[i] <= 1 else { throw Problem(message: "record \(i): pair_label \(block.pairLabels[i]) is not 0 or 1") }
            }
        } else {
            block.pairLabels.removeAll(keepingCapacity: true)
        }

        if schema.hasMasks {
            var positionLengths: [UInt32] = []
            try column(&positionLengths, n, width: 4, "masked_positions lengths")
            offsets(positionLengths, into: &block.maskOffsets)
            var positions: [UInt32] = []
            try column(&positions, block.maskOffsets[n], width: 4, "masked_positions")
            var idLengths: [UInt32] = []
            try column(&idLengths, n, width: 4, "masked_ids lengths")
            guard idLengths == positionLengths else {
                throw Problem(message: "masked_ids and masked_positions have different lengths")
            }
            try checkIDs(try column(&block.maskedIDs, block.maskOffsets[n], width: w, "masked_ids"), block.maskOffsets[n], "masked_ids")
            for i in 0..<n {
                var previous: Int64 = -1
                for p in block.maskOffsets[i]..<block.maskOffsets[i + 1] {
                    let pos = Int64(positions[p])
                    guard pos > previous, pos < Int64(tokenLengths[i]) else {
                        throw Problem(message: "record \(i): masked position \(pos) is out of order or outside 0..<\(tokenLengths[i])")
                    }
                    previous = pos
                }
            }
            block.maskedPositions = positions
        } else {
            block.maskOffsets.removeAll(keepingCapacity: true)
            block.maskedIDs.removeAll(keepingCapacity: true)
        }

        try column(&block.inputOrdinals, n, width: 4, "input_ordinal")
        let docSrc = try take(n, 8, "document_ordinal")
        resize(&block.documentOrdinals, to: n)
        if n > 0 {
            block.documentOrdinals.withUnsafeMutableBufferPointer {
                ByteShuffle.decode(docSrc, width: 8, count: n, shuffled: shuffled, into: $0.baseAddress!)
            }
        }
        guard at == payload.count else {
            throw Problem(message: "\(payload.count - at) unexpected bytes after the last column")
        }
    }
}
