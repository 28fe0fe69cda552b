import Testing
@testable import PretextCore

@Suite struct KeyedRandomTests {
    @Test func skipEqualsDrawing() {
        for n in [0, 1, 7, 1000] {
            var drawn = KeyedRandom(seed: 3, purpose: .dropout, index: 9, subindex: 2)
            for _ in 0..<n { _ = drawn.next() }
            var skipped = KeyedRandom(seed: 3, purpose: .dropout, index: 9, subindex: 2)
            skipped.skip(n)
            #expect(drawn.next() == skipped.next(), "skip \(n)")
        }
    }

    @Test func sameKeySameStream() {
        var a = KeyedRandom(seed: 42, purpose: .testData, index: 7, subindex: 3)
        var b = KeyedRandom(seed: 42, purpose: .testData, index: 7, subindex: 3)
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    @Test func everyKeyWordMatters() {
        let base = KeyedRandom(seed: 42, purpose: .testData, index: 7, subindex: 3)
        let variants = [
            KeyedRandom(seed: 43, purpose: .testData, index: 7, subindex: 3),
            KeyedRandom(seed: 42, purpose: RandomPurpose(rawValue: 99), index: 7, subindex: 3),
            KeyedRandom(seed: 42, purpose: .testData, index: 8, subindex: 3),
            KeyedRandom(seed: 42, purpose: .testData, index: 7, subindex: 4),
        ]
        var b = base
        let first = b.next()
        for var v in variants { #expect(v.next() != first) }
    }

    /// Pins the algorithm: a change here changes every shard Pretext has written.
    @Test func streamIsPinned() {
        var r = KeyedRandom(seed: 0, purpose: RandomPurpose(rawValue: 0), index: 0)
        let first = r.next()
        var again = KeyedRandom(seed: 0, purpose: RandomPurpose(rawValue: 0), index: 0)
        #expect(again.next() == first)
        // SplitMix64 step from the derived state: mix(state + gamma).
        var s = KeyedRandom.mix(0 &+ 0x9E37_79B9_7F4A_7C15)
        s = KeyedRandom.mix(s ^ 0)
        s = KeyedRandom.mix(s ^ 0)
        s = KeyedRandom.mix(s ^ 0)
        #expect(first == KeyedRandom.mix(s &+ 0x9E37_79B9_7F4A_7C15))
    }

    @Test func belowStaysInRangeAndIsRoughlyUniform() {
        var r = KeyedRandom(seed: 9, purpose: .testData, index: 0)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 {
            let v = r.below(10)
            #expect(v >= 0 && v < 10)
            counts[v] += 1
        }
        // Chi-square with 9 degrees of freedom; 27.9 is the 0.999 quantile. Deterministic seed.
        let chi = counts.reduce(0.0) { $0 + pow2(Double($1) - 10_000) / 10_000 }
        #expect(chi < 27.9, "counts \(counts)")
        for _ in 0..<1000 {
            let d = r.unitDouble()
            #expect(d >= 0 && d < 1)
        }
        #expect(r.below(UInt64(1)) == 0)
    }

    private func pow2(_ x: Double) -> Double { x * x }
}
