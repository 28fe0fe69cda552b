/// A set of Unicode scalar values with O(1) membership for the BMP (a 8 KiB bitmap) and
/// binary search over ranges above it.
///
/// A final class over a raw bitmap allocated once, so that hot loops on several threads read
/// it without reference counting.
public final class ScalarSet: @unchecked Sendable {
    private let bmp: UnsafeMutablePointer<UInt64>
    private let astral: [ClosedRange<UInt32>]

    public init(ranges: [ClosedRange<UInt32>]) {
        bmp = .allocate(capacity: 1024)
        bmp.initialize(repeating: 0, count: 1024)
        var above: [ClosedRange<UInt32>] = []
        for r in ranges {
            for c in r where c < 0x10000 { bmp[Int(c >> 6)] |= 1 << UInt64(c & 63) }
            if r.upperBound >= 0x10000 { above.append(max(r.lowerBound, 0x10000)...r.upperBound) }
        }
        astral = above.sorted { $0.lowerBound < $1.lowerBound }
    }

    deinit { bmp.deallocate() }

    @inline(__always)
    public func contains(_ c: UInt32) -> Bool {
        if c < 0x10000 { return bmp[Int(c >> 6)] & (1 << UInt64(c & 63)) != 0 }
        var lo = 0, hi = astral.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if astral[mid].upperBound < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < astral.count && astral[lo].contains(c)
    }
}

/// Parsing of the generated tables (`GeneratedUnicodeTables`): hex ranges `X` / `X-Y` and
/// mappings `X:Y,Z`, separated by white space.
enum UnicodeTableText {
    /// Hex numbers of `text` with the byte that ended each (a space, newline, `-`, `:` or `,`;
    /// 0 at the end). Works on UTF-8 bytes: the tables are parsed at start-up, where
    /// `Character`-based splitting of some 100 KB of text cost tens of milliseconds.
    private static func numbers(_ text: String) -> [(UInt32, UInt8)] {
        var out: [(UInt32, UInt8)] = []
        var value: UInt32 = 0
        var digits = 0
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value << 4 | UInt32(b - UInt8(ascii: "0")); digits += 1
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = value << 4 | UInt32(b - UInt8(ascii: "A") + 10); digits += 1
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value << 4 | UInt32(b - UInt8(ascii: "a") + 10); digits += 1
            default:
                if digits > 0 || b == UInt8(ascii: ":") { out.append((value, b)) }
                value = 0
                digits = 0
            }
        }
        if digits > 0 { out.append((value, 0)) }
        return out
    }

    static func ranges(_ text: String) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var pendingStart: UInt32?
        for (value, end) in numbers(text) {
            if let start = pendingStart {
                out.append(start...value)
                pendingStart = nil
            } else if end == UInt8(ascii: "-") {
                pendingStart = value
            } else {
                out.append(value...value)
            }
        }
        return out
    }

    static func mapping(_ text: String) -> [UInt32: [UInt32]] {
        var out: [UInt32: [UInt32]] = [:]
        var key: UInt32?
        var values: [UInt32] = []
        for (value, end) in numbers(text) {
            if key == nil {
                key = value  // ended by ":"
                continue
            }
            if end == UInt8(ascii: ":") {
                // An empty mapping "X:" followed by the next key: `value` is that next key.
                out[key!] = values
                values = []
                key = value
                continue
            }
            values.append(value)
            if end != UInt8(ascii: ",") {
                out[key!] = values
                values = []
                key = nil
            }
        }
        if let key { out[key] = values }
        return out
    }
}

/// The character classes and mappings HF tokenizers uses, parsed once from the generated
/// tables (see benchmarks/tools/generate_unicode_tables.py for how they were probed).
public enum UnicodeTables {
    /// Removed by BertNormalizer's clean_text (controls, format characters, private use, U+FFFD, NUL).
    public static let cleanRemoved = ScalarSet(ranges: UnicodeTableText.ranges(GeneratedUnicodeTables.cleanRemoved))
    /// Replaced by a space by clean_text (white space other than U+0020).
    public static let cleanToSpace = ScalarSet(ranges: UnicodeTableText.ranges(GeneratedUnicodeTables.cleanToSpace))
    /// NFD with nonspacing marks removed, for scalars where that is not the identity
    /// (Hangul syllables excluded: decomposed algorithmically).
    public static let stripAccents = UnicodeTableText.mapping(GeneratedUnicodeTables.stripAccents)
    /// Full lowercase mapping, where not the identity.
    public static let lowercase = UnicodeTableText.mapping(GeneratedUnicodeTables.lowercase)
    /// BertPreTokenizer splits on these.
    public static let bertWhitespace = ScalarSet(ranges: UnicodeTableText.ranges(GeneratedUnicodeTables.bertWhitespace))
    /// BertPreTokenizer isolates these.
    public static let bertPunctuation = ScalarSet(ranges: UnicodeTableText.ranges(GeneratedUnicodeTables.bertPunctuation))
    /// `\p{L}` of the GPT-2 pre-tokenization pattern.
    public static let gpt2Letters = ScalarSet(ranges: UnicodeTableText.ranges(GeneratedUnicodeTables.gpt2Letters))
    /// `\p{N}` of the GPT-2 pre-tokenization pattern.
    public static let gpt2Numbers = ScalarSet(ranges: UnicodeTableText.ranges(GeneratedUnicodeTables.gpt2Numbers))
    /// `\s` of the GPT-2 pre-tokenization pattern (U+0020 included).
    public static let gpt2Whitespace = ScalarSet(ranges: UnicodeTableText.ranges(GeneratedUnicodeTables.gpt2Whitespace) + [0x20...0x20])

    /// BertNormalizer's CJK ranges (handle_chinese_chars puts spaces around these).
    @inline(__always)
    public static func isChineseCharacter(_ c: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(c) || (0x3400...0x4DBF).contains(c) || (0x20000...0x2A6DF).contains(c)
            || (0x2A700...0x2B73F).contains(c) || (0x2B740...0x2B81F).contains(c) || (0x2B920...0x2CEAF).contains(c)
            || (0xF900...0xFAFF).contains(c) || (0x2F800...0x2FA1F).contains(c)
    }
}
