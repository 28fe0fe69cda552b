/// Accumulates records column by column and serializes them as one uncompressed block
/// payload (layout in docs/FORMAT.md, "Block payload").
///
/// Columns are kept as flat arrays that are cleared, not freed, between blocks, so a
/// writer that reuses one encoder does not allocate per record once warmed up.
struct BlockEncoder {
    let schema: ShardSchema
    let filter: ShardFilter

    private(set) var recordCount = 0
    private var tokenLengths: [UInt64] = []
    private(set) var tokens: [UInt32] = []
    private var boundaries: [UInt64] = []
    private var labels: [UInt64] = []
    private var maskLengths: [UInt64] = []
    private var maskPositions: [UInt32] = []
    private var maskIDs: [UInt32] = []
    private var inputOrdinals: [UInt64] = []
    private var documentOrdinals: [UInt64] = []

    init(schema: ShardSchema, filter: ShardFilter) {
        self.schema = schema
        self.filter = filter
    }

    /// Uncompressed payload size in bytes if the block were closed now.
    var encodedLength: Int { Self.encodedLength(schema: schema, records: recordCount, tokens: tokens.count, masks: maskPositions.count) }

    /// Payload size of a block with these totals.
    static func encodedLength(schema: ShardSchema, records: Int, tokens: Int, masks: Int) -> Int {
        var n = records * 4 + tokens * schema.tokenWidth  // token lengths + tokens
        if schema.hasSegments { n += records * 4 }
        if schema.hasPairs { n += records }
        if schema.hasMasks { n += records * 8 + masks * (4 + schema.tokenWidth) }
        n += records * 12  // input u32 + document u64
        return n
    }

    mutating func append(_ r: ShardRecordView) {
        recordCount += 1
        tokenLengths.append(UInt64(r.tokens.count))
        tokens.append(contentsOf: r.tokens)
        if schema.hasSegments { boundaries.append(UInt64(r.segmentBoundary ?? 0)) }
        if schema.hasPairs { labels.append(UInt64(r.pairLabel ?? 0)) }
        if schema.hasMasks {
            maskLengths.append(UInt64(r.maskedPositions.count))
            maskPositions.append(contentsOf: r.maskedPositions)
            maskIDs.append(contentsOf: r.maskedIDs)
        }
        inputOrdinals.append(UInt64(r.inputOrdinal))
        documentOrdinals.append(r.documentOrdinal)
    }

    mutating func removeAll() {
        recordCount = 0
        tokenLengths.removeAll(keepingCapacity: true)
        tokens.removeAll(keepingCapacity: true)
        boundaries.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        maskLengths.removeAll(keepingCapacity: true)
        maskPositions.removeAll(keepingCapacity: true)
        maskIDs.removeAll(keepingCapacity: true)
        inputOrdinals.removeAll(keepingCapacity: true)
        documentOrdinals.removeAll(keepingCapacity: true)
    }

    /// Serializes the pending records into the first `encodedLength` bytes of `payload`
    /// (grown if needed, never shrunk) and returns that length.
    func serialize(into payload: inout [UInt8]) -> Int {
        let total = encodedLength
        if payload.count < total { payload = [UInt8](repeating: 0, count: max(total, payload.count * 2)) }
        let shuffle = filter == .byteShuffle
        let w = schema.tokenWidth
        payload.withUnsafeMutableBytes { whole in
            let out = UnsafeMutableRawBufferPointer(rebasing: whole[0..<total])
            var at = 0
            func put(_ values: [UInt64], width k: Int) {
                values.withUnsafeBufferPointer { v in
                    ByteShuffle.encode(v, width: k, shuffle: shuffle, into: UnsafeMutableRawBufferPointer(rebasing: out[at..<(at + v.count * k)]))
                }
                at += values.count * k
            }
            func put(_ values: [UInt32], width k: Int) {
                values.withUnsafeBufferPointer { v in
                    ByteShuffle.encode(v, width: k, shuffle: shuffle, into: UnsafeMutableRawBufferPointer(rebasing: out[at..<(at + v.count * k)]))
                }
                at += values.count * k
            }
            put(tokenLengths, width: 4)
            put(tokens, width: w)
            if schema.hasSegments { put(boundaries, width: 4) }
            if schema.hasPairs { put(labels, width: 1) }
            if schema.hasMasks {
                put(maskLengths, width: 4)
                put(maskPositions, width: 4)
                put(maskLengths, width: 4)
                put(maskIDs, width: w)
            }
            put(inputOrdinals, width: 4)
            put(documentOrdinals, width: 8)
            precondition(at == total, "block payload size mismatch")
        }
        return total
    }
}
