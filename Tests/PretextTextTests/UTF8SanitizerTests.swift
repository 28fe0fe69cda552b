import Testing
import PretextCore
@testable import PretextText

@Suite struct UTF8SanitizerTests {
    /// What Swift's decoder makes of `bytes` (one U+FFFD per maximal invalid subpart), NULs removed.
    func reference(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).utf8).filter { $0 != 0 }
    }

    func clean(_ bytes: [UInt8], _ policy: InvalidUTF8Policy = .replace) -> (UTF8Sanitizer.Outcome, [UInt8]?, UTF8Sanitizer) {
        var s = UTF8Sanitizer(policy: policy)
        let outcome = bytes.withUnsafeBytes { s.sanitize($0) }
        switch outcome {
        case .unchanged: return (outcome, bytes, s)
        case .rewritten: return (outcome, s.output, s)
        case .dropped: return (outcome, nil, s)
        }
    }

    /// Random bytes drawn mostly from the boundary values of UTF-8's byte classes.
    func randomBytes(_ rng: inout KeyedRandom) -> [UInt8] {
        let interesting: [UInt8] = [0x00, 0x20, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        let valid = ["é", "한", "😀", "\u{10FFFF}", "\u{FFFD}", "abcdefghij"].map { Array($0.utf8) }
        var out: [UInt8] = []
        for _ in 0..<rng.below(40) {
            switch rng.below(4) {
            case 0: out.append(UInt8(truncatingIfNeeded: rng.next()))
            case 1: out.append(contentsOf: valid[rng.below(valid.count)])
            default: out.append(interesting[rng.below(interesting.count)])
            }
        }
        return out
    }

    @Test func replacementMatchesSwiftsDecoderOnRandomBytes() {
        var rng = KeyedRandom(seed: 11, purpose: .testData, index: 0)
        var rewritten = 0
        for _ in 0..<20_000 {
            let bytes = randomBytes(&rng)
            let (outcome, out, _) = clean(bytes)
            #expect(out == reference(bytes), "\(bytes)")
            let valid = String(validating: bytes, as: UTF8.self) != nil && !bytes.contains(0)
            #expect((outcome == .unchanged) == valid, "\(bytes)")
            if outcome == .rewritten { rewritten += 1 }
        }
        #expect(rewritten > 1000)  // the generator does produce bad input
    }

    @Test func dropLineDropsExactlyTheInvalidLines() {
        var rng = KeyedRandom(seed: 12, purpose: .testData, index: 0)
        for _ in 0..<5_000 {
            let bytes = randomBytes(&rng)
            let (outcome, out, _) = clean(bytes, .dropLine)
            if String(validating: bytes, as: UTF8.self) == nil {
                #expect(outcome == .dropped, "\(bytes)")
            } else {
                #expect(out == bytes.filter { $0 != 0 }, "\(bytes)")
            }
        }
    }

    @Test func validTextIsReturnedUntouched() {
        for text in ["", "plain ascii text that is longer than one word", "é", "naïve café 한국어 문장 😀 \u{10FFFF}",
                     String(repeating: "x", count: 1000) + "é"] {
            let (outcome, _, _) = clean(Array(text.utf8))
            #expect(outcome == .unchanged, "\(text)")
        }
    }

    @Test func countsNulBytesAndInvalidSequences() {
        // C0 AF: two subparts (C0 is never a lead); F0 9F 98: one truncated 4-byte sequence.
        let (outcome, out, s) = clean([0x00, 0x61, 0xC0, 0xAF, 0x00, 0xF0, 0x9F, 0x98, 0x62])
        #expect(outcome == .rewritten)
        #expect(out == Array("a\u{FFFD}\u{FFFD}\u{FFFD}b".utf8))
        #expect(s.nulBytes == 2)
        #expect(s.invalidSequences == 3)
    }

    @Test func firstProblemFindsTheOffset() {
        for (bytes, offset) in [([UInt8]("abcdefghijklmnop".utf8) + [0x00], 16), ([0xE2, 0x82, 0xAC, 0xE2, 0x82], 3),
                                ([0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x80], 9), ([0x41], 1)] {
            let got = bytes.withUnsafeBytes { UTF8Sanitizer.firstProblem($0) }
            #expect(got == offset, "\(bytes)")
        }
    }
}
