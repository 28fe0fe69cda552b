import Testing
@testable import PretextCore

/// Reference values from `xxh64sum` (xxHash 0.8.1, seed 0) over bytes `(7·i + 3) mod 256`.
@Suite struct XXHash64Tests {
    static let input: [UInt8] = (0..<1000).map { UInt8((($0 * 7) + 3) % 256) }
    static let vectors: [(Int, UInt64)] = [
        (0, 0xef46db3751d8e999), (1, 0x1f25c8d0bc1f4bb6), (3, 0x31d2363f52e564c9), (4, 0x9bb64b7d66ee9fda),
        (7, 0x9a7b149959ce60d8), (8, 0xdab99d95c6f90092), (31, 0xa2aa5f33cc4a6119), (32, 0x23c3c17ef790fd97),
        (33, 0x50a7cfc7ba588784), (63, 0x5e3e54b431c7493c), (64, 0x0eb64b3ef6eeb01f), (100, 0xa61f8d4c170fe531),
        (1000, 0x5f235fa033f1a3fb),
    ]

    @Test func matchesReferenceImplementation() {
        for (n, expected) in Self.vectors {
            #expect(XXHash64.hash(Self.input[0..<n]) == expected, "length \(n)")
        }
        #expect(XXHash64.hash(Array("abc".utf8)) == 0x44bc2cf5ad770999)
    }

    @Test func streamingEqualsOneShotForAnySplit() {
        var rng = KeyedRandom(seed: 1, purpose: .testData, index: 0)
        for (n, expected) in Self.vectors {
            for _ in 0..<20 {
                var h = XXHash64()
                var at = 0
                while at < n {
                    let step = min(n - at, 1 + rng.below(40))
                    h.update(Self.input[at..<(at + step)])
                    at += step
                }
                #expect(h.digest() == expected, "length \(n)")
            }
        }
    }

    @Test func seedChangesTheHash() {
        #expect(XXHash64.hash(Self.input, seed: 1) != XXHash64.hash(Self.input, seed: 0))
    }
}
