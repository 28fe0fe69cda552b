/// The records of one block, decoded into flat columns.
///
/// Shapes: `tokenOffsets` has `count + 1` entries and record i's tokens are
/// `tokens[tokenOffsets[i]..<tokenOffsets[i+1]]`; `maskOffsets` likewise indexes
/// `maskedPositions`/`maskedIDs` (empty arrays when the schema has no masks);
/// `segmentBoundaries`/`pairLabels` have `count` entries or none.
public struct DecodedBlock: Sendable {
    public let count: Int
    public let tokenOffsets: [Int]
    public let tokens: [UInt32]
    public let segmentBoundaries: [UInt32]
    public let pairLabels: [UInt8]
    public let maskOffsets: [Int]
    public let maskedPositions: [UInt32]
    public let maskedIDs: [UInt32]
    public let inputOrdinals: [UInt32]
    public let documentOrdinals: [UInt64]

    /// Tokens of record `i` (0-based within the block).
    public func tokens(of i: Int) -> ArraySlice<UInt32> { tokens[tokenOffsets[i]..<tokenOffsets[i + 1]] }

    /// Record `i` as an owned value.
    public func record(_ i: Int) -> ShardRecord {
        let hasMasks = !maskOffsets.isEmpty
        let m = hasMasks ? maskOffsets[i]..<maskOffsets[i + 1] : 0..<0
        return ShardRecord(
            tokens: Array(tokens(of: i)),
            segmentBoundary: segmentBoundaries.isEmpty ? nil : segmentBoundaries[i],
            pairLabel: pairLabels.isEmpty ? nil : pairLabels[i],
            maskedPositions: Array(maskedPositions[m]),
            maskedIDs: Array(maskedIDs[m]),
            inputOrdinal: inputOrdinals[i],
            documentOrdinal: documentOrdinals[i])
    }

    /// A problem found while decoding; the reader adds file, block and offset.
    struct Problem: Error { let message: String }

    /// Decodes `count` records from an uncompressed payload, checking every length against
    /// the bytes present and every value against the record it belongs to.
    /// - Parameters:
    ///   - expectedTokens: the token count the block index declares for this block.
    ///   - vocabularySize: ids must be below it (0 = unchecked).
    static func decode(
        _ payload: UnsafeRawBufferPointer, count n: Int, expectedTokens: Int,
        schema: ShardSchema, filter: ShardFilter, vocabularySize: UInt32
    ) throws -> DecodedBlock {
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
        func u32Column(_ count: Int, _ what: String) throws -> [UInt32] {
            let src = try take(count, 4, what)
            if count == 0 { return [] }
            return [UInt32](unsafeUninitializedCapacity: count) { buf, done in
                _ = ByteShuffle.decode32(src, width: 4, count: count, shuffled: shuffled, into: buf.baseAddress!)
                done = count
            }
        }
        func offsets(_ lengths: [UInt32]) -> [Int] {
            var o = [Int](repeating: 0, count: lengths.count + 1)
            for i in 0..<lengths.count { o[i + 1] = o[i] + Int(lengths[i]) }
            return o
        }
        func idColumn(_ count: Int, _ what: String) throws -> [UInt32] {
            let src = try take(count, w, what)
            if count == 0 { return [] }
            var maxID: UInt32 = 0
            let ids = [UInt32](unsafeUninitializedCapacity: count) { buf, done in
                maxID = ByteShuffle.decode32(src, width: w, count: count, shuffled: shuffled, into: buf.baseAddress!)
                done = count
            }
            if vocabularySize > 0 && count > 0 && maxID >= vocabularySize {
                throw Problem(message: "\(what) holds id \(maxID), outside the vocabulary of \(vocabularySize)")
            }
            return ids
        }

        let tokenLengths = try u32Column(n, "tokens lengths")
        let tokenOffsets = offsets(tokenLengths)
        guard tokenOffsets[n] == expectedTokens else {
            throw Problem(message: "records hold \(tokenOffsets[n]) tokens but the index declares \(expectedTokens)")
        }
        let tokens = try idColumn(tokenOffsets[n], "tokens")

        var boundaries: [UInt32] = [], labels: [UInt8] = []
        if schema.hasPairs {
            boundaries = try u32Column(n, "segment_boundary")
            let src = try take(n, 1, "pair_label")
            labels = Array(src)
            for i in 0..<n {
                let len = tokenLengths[i]
                guard boundaries[i] > 0, boundaries[i] <= len else {
                    throw Problem(message: "record \(i): segment_boundary \(boundaries[i]) outside 1...\(len)")
                }
                guard labels[i] <= 1 else { throw Problem(message: "record \(i): pair_label \(labels[i]) is not 0 or 1") }
            }
        }

        var maskOffsets: [Int] = [], positions: [UInt32] = [], ids: [UInt32] = []
        if schema.hasMasks {
            let positionLengths = try u32Column(n, "masked_positions lengths")
            maskOffsets = offsets(positionLengths)
            positions = try u32Column(maskOffsets[n], "masked_positions")
            let idLengths = try u32Column(n, "masked_ids lengths")
            guard idLengths == positionLengths else {
                throw Problem(message: "masked_ids and masked_positions have different lengths")
            }
            ids = try idColumn(maskOffsets[n], "masked_ids")
            for i in 0..<n {
                var previous: Int64 = -1
                for p in maskOffsets[i]..<maskOffsets[i + 1] {
                    let pos = Int64(positions[p])
                    guard pos > previous, pos < Int64(tokenLengths[i]) else {
                        throw Problem(message: "record \(i): masked position \(pos) is out of order or outside 0..<\(tokenLengths[i])")
                    }
                    previous = pos
                }
            }
        }

        let inputOrdinals = try u32Column(n, "input_ordinal")
        let docSrc = try take(n, 8, "document_ordinal")
        let documentOrdinals = n == 0 ? [] : [UInt64](unsafeUninitializedCapacity: n) { buf, done in
            ByteShuffle.decode(docSrc, width: 8, count: n, shuffled: shuffled, into: buf.baseAddress!)
            done = n
        }
        guard at == payload.count else {
            throw Problem(message: "\(payload.count - at) unexpected bytes after the last column")
        }
        return DecodedBlock(
            count: n, tokenOffsets: tokenOffsets, tokens: tokens, segmentBoundaries: boundaries, pairLabels: labels,
            maskOffsets: maskOffsets, maskedPositions: positions, maskedIDs: ids,
            inputOrdinals: inputOrdinals, documentOrdinals: documentOrdinals)
    }
}
