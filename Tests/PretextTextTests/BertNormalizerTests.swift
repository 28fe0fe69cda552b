import Testing
@testable import PretextText

@Suite struct BertNormalizerTests {
    static let optionSets: [BertNormalizer.Options] = [
        .init(),
        .init(lowercase: false),
        .init(handleChineseCharacters: false, stripAccents: true, lowercase: false),
        .init(cleanText: false, stripAccents: false, lowercase: true),
    ]

    /// The tables (with their direct path for CJK characters) give, for every BMP scalar, the
    /// composition of the four steps that `map` spells out.
    @Test(arguments: optionSets)
    func theTableAgreesWithTheStepsForEveryBMPScalar(_ options: BertNormalizer.Options) {
        let normalizer = BertNormalizer(options: options)
        var input: [UInt8] = [], out: [UInt8] = [], expected: [UInt8] = []
        var mismatches: [UInt32] = []
        for c in UInt32(0)..<0x10000 where !(0xD800...0xDFFF).contains(c) {
            input.removeAll(keepingCapacity: true)
            UTF8Scalars.append(c, to: &input)
            out.removeAll(keepingCapacity: true)
            input.withUnsafeBytes { normalizer.normalize($0, into: &out) }
            expected.removeAll(keepingCapacity: true)
            for s in BertNormalizer.map(c, options) { UTF8Scalars.append(s, to: &expected) }
            if out != expected { mismatches.append(c) }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5).map { String($0, radix: 16) })")
    }
}
