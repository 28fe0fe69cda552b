import Testing
import PretextCore
@testable import PretextLabeling

@Suite struct MaskerTests {
    // Vocabulary: 0 [PAD] 1 [CLS] 2 [SEP] 3 [MASK]; 4…99 words; 100…199 "##" continuations.
    static let vocabulary = MaskingVocabulary(size: 200, maskID: 3, specialIDs: [0, 1, 2, 3]) { $0 >= 100 }

    func sequence(_ n: Int, seed: UInt64) -> [UInt32] {
        var r = KeyedRandom(seed: seed, purpose: .testData, index: 0)
        var t: [UInt32] = [1]
        // The first word after [CLS] starts a word; later tokens continue one a third of the time.
        while t.count < n - 1 { t.append(UInt32(t.count > 1 && r.below(3) == 0 ? 100 + r.below(100) : 4 + r.below(96))) }
        t.append(2)
        return t
    }

    @Test func predictionCountFollowsTheFormula() {
        let o = MaskingOptions(rate: 0.15, maxPredictions: 20)
        #expect(o.predictionCount(maskable: 125, sequenceLength: 128) == 19)   // a full 128-token BERT instance
        #expect(o.predictionCount(maskable: 1, sequenceLength: 1) == 1)
        #expect(o.predictionCount(maskable: 0, sequenceLength: 3) == 0)
        #expect(o.predictionCount(maskable: 10, sequenceLength: 10) == 2)     // 1.5 rounds half to even
        #expect(o.predictionCount(maskable: 30, sequenceLength: 30) == 4)     // 4.5 → 4
        #expect(o.predictionCount(maskable: 1000, sequenceLength: 1003) == 20)  // capped
        // Google counts [CLS] and both [SEP] (len(tokens)); the budget basis chooses.
        #expect(o.predictionCount(maskable: 30, sequenceLength: 33) == 5)     // round(4.95)
        var m = o
        m.budgetBasis = .maskable
        #expect(m.predictionCount(maskable: 30, sequenceLength: 33) == 4)     // round(4.5), half to even
        #expect(o.predictionCount(maskable: 2, sequenceLength: 60) == 2)      // never more than the maskable tokens
    }

    @Test func tokenMaskingHasTheExactCountAndNeverTouchesSpecials() {
        let masker = Masker(options: MaskingOptions(maxPredictions: 20), vocabulary: Self.vocabulary)
        for seed in 0..<200 {
            let original = sequence(128, seed: UInt64(seed))
            var tokens = original
            var r = KeyedRandom(seed: 7, purpose: .staticMasking, index: UInt64(seed))
            let m = masker.mask(&tokens, random: &r)
            #expect(m.positions.count == 19)
            #expect(m.positions == m.positions.sorted() && Set(m.positions).count == m.positions.count)
            for (p, id) in zip(m.positions, m.originalIDs) {
                #expect(original[Int(p)] == id)
                #expect(!Self.vocabulary.isSpecial[Int(id)])
            }
            // Unmasked positions are unchanged; specials stay where they were.
            for i in 0..<original.count where !m.positions.contains(UInt32(i)) { #expect(tokens[i] == original[i]) }
        }
    }

    @Test func sameKeySameMasksDifferentKeyDifferentMasks() {
        let masker = Masker(options: MaskingOptions(), vocabulary: Self.vocabulary)
        let original = sequence(128, seed: 1)
        var a = original, b = original, c = original
        var ra = KeyedRandom(seed: 1, purpose: .staticMasking, index: 5)
        var rb = KeyedRandom(seed: 1, purpose: .staticMasking, index: 5)
        var rc = KeyedRandom(seed: 1, purpose: .staticMasking, index: 5, subindex: 1)
        let ma = masker.mask(&a, random: &ra), mb = masker.mask(&b, random: &rb), mc = masker.mask(&c, random: &rc)
        #expect(ma == mb && a == b)
        #expect(ma != mc)
    }

    @Test func replacementSharesAreEightyTenTen() {
        let masker = Masker(options: MaskingOptions(), vocabulary: Self.vocabulary)
        var mask = 0, same = 0, other = 0
        for seed in 0..<2000 {
            let original = sequence(128, seed: UInt64(seed))
            var tokens = original
            var r = KeyedRandom(seed: 3, purpose: .staticMasking, index: UInt64(seed))
            let m = masker.mask(&tokens, random: &r)
            for p in m.positions {
                let t = tokens[Int(p)]
                if t == 3 { mask += 1 } else if t == original[Int(p)] { same += 1 } else { other += 1 }
                #expect(!Self.vocabulary.isSpecial[Int(t)] || t == 3, "random replacements come from the non-special pool")
            }
        }
        let total = Double(mask + same + other)
        // 38,000 decisions: three standard deviations of a 10% share are about 0.5 points.
        #expect(abs(Double(mask) / total - 0.8) < 0.01)
        // Random ids equal to the original count as "kept": kept ≈ 10% + 10%/|pool|.
        #expect(abs(Double(same) / total - 0.1) < 0.01)
        #expect(abs(Double(other) / total - 0.1) < 0.01)
    }

    @Test func wholeWordMaskingTakesEveryPieceAndDecidesOncePerWord() {
        let masker = Masker(options: MaskingOptions(rate: 0.3, strategy: .wholeWord), vocabulary: Self.vocabulary)
        for seed in 0..<300 {
            let original = sequence(64, seed: UInt64(seed))
            var tokens = original
            var r = KeyedRandom(seed: 9, purpose: .staticMasking, index: UInt64(seed))
            let m = masker.mask(&tokens, random: &r)
            let chosen = Set(m.positions.map(Int.init))
            #expect(m.positions.count <= MaskingOptions(rate: 0.3).predictionCount(maskable: 62, sequenceLength: 62))
            for p in chosen {
                // A chosen piece's whole word is chosen: its continuations and its start.
                if original[p] >= 100 { #expect(chosen.contains(p - 1), "continuation at \(p) without its word") }
                if p + 1 < original.count && original[p + 1] >= 100 { #expect(chosen.contains(p + 1)) }
                // One decision per word: all pieces [MASK], or none of them.
                var start = p
                while original[start] >= 100 { start -= 1 }
                var end = start + 1
                while end < original.count && original[end] >= 100 { end += 1 }
                let masked = (start..<end).map { tokens[$0] == 3 }
                #expect(masked.allSatisfy { $0 } || masked.allSatisfy { !$0 })
            }
        }
    }

    @Test func ngramAndSpanLengthsFollowTheirDistributions() {
        var r = KeyedRandom(seed: 1, purpose: .testData, index: 0)
        var ngram = [0, 0, 0, 0]
        for _ in 0..<60_000 { ngram[Masker.ngramLength(maxN: 3, random: &r)] += 1 }
        // P(n) ∝ 1/n: 6/11, 3/11, 2/11.
        #expect(abs(Double(ngram[1]) / 60_000 - 6.0 / 11) < 0.01)
        #expect(abs(Double(ngram[2]) / 60_000 - 3.0 / 11) < 0.01)
        #expect(abs(Double(ngram[3]) / 60_000 - 2.0 / 11) < 0.01)
        var spans = [Int](repeating: 0, count: 11)
        for _ in 0..<60_000 { spans[Masker.spanLength(p: 0.2, maxLength: 10, random: &r)] += 1 }
        #expect(abs(Double(spans[1]) / 60_000 - 0.2) < 0.01)
        #expect(abs(Double(spans[2]) / 60_000 - 0.16) < 0.01)
        #expect(spans[10] > 0 && spans[0] == 0)
    }

    @Test func spanMaskingCoversContiguousWords() {
        let masker = Masker(options: MaskingOptions(strategy: .span(p: 0.2, maxLength: 10)), vocabulary: Self.vocabulary)
        var r = KeyedRandom(seed: 2, purpose: .staticMasking, index: 0)
        var tokens = sequence(128, seed: 3)
        let m = masker.mask(&tokens, random: &r)
        #expect(!m.positions.isEmpty && m.positions.count <= 19)
    }

    @Test func allSpecialSequencesAreLeftAlone() {
        let masker = Masker(options: MaskingOptions(), vocabulary: Self.vocabulary)
        var tokens: [UInt32] = [1, 2, 2]
        var r = KeyedRandom(seed: 0, purpose: .staticMasking, index: 0)
        #expect(masker.mask(&tokens, random: &r).positions.isEmpty)
        #expect(tokens == [1, 2, 2])
    }
}
