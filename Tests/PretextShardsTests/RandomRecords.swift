import PretextCore
import PretextShards

/// Reproducible random records for property tests.
struct RandomRecords {
    var rng: KeyedRandom
    let schema: ShardSchema
    let vocabularySize: UInt32

    init(seed: UInt64, schema: ShardSchema, vocabularySize: UInt32) {
        rng = KeyedRandom(seed: seed, purpose: .testData, index: 0)
        self.schema = schema
        self.vocabularySize = vocabularySize
    }

    /// A record of 0...maxLength tokens (at least 1 for pair and segment schemas) satisfying the schema.
    mutating func next(maxLength: Int) -> ShardRecord {
        let minLength = schema.hasSegments ? 1 : 0
        let n = minLength + rng.below(maxLength - minLength + 1)
        var tokens: [UInt32] = []
        for _ in 0..<n { tokens.append(UInt32(rng.below(UInt64(vocabularySize)))) }
        var r = ShardRecord(tokens: tokens, inputOrdinal: UInt32(rng.below(1000)), documentOrdinal: rng.next() >> UInt64(rng.below(64)))
        if schema.hasSegments { r.segmentBoundary = UInt32(1 + rng.below(n)) }
        if schema.hasPairs { r.pairLabel = UInt8(rng.below(2)) }
        if schema.hasMasks {
            for p in 0..<n where rng.below(7) == 0 {
                r.maskedPositions.append(UInt32(p))
                r.maskedIDs.append(UInt32(rng.below(UInt64(vocabularySize))))
            }
        }
        return r
    }
}

extension ShardHeader {
    /// `segments` (segment boundaries, with or without pair labels) defaults to `pairs`.
    static func testHeader(width: Int = 2, pairs: Bool = false, segments: Bool? = nil, masks: Bool = false, filter: ShardFilter = .byteShuffle,
                           vocabulary: UInt32 = 30522, blockLimit: UInt32 = 1 << 20) -> ShardHeader {
        ShardHeader(schema: ShardSchema(tokenWidth: width, hasSegments: segments ?? pairs, hasPairs: pairs, hasMasks: masks), filter: filter,
                    vocabularySize: vocabulary, blockLengthLimit: blockLimit, metadata: #"{"test":true}"#)
    }
}
