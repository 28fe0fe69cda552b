/// HF tokenizers' `BertPreTokenizer` on UTF-8 bytes: splits on white space and makes every
/// punctuation scalar a word of its own (classes from `UnicodeTables`, probed from HF).
public enum BertPreTokenizer {
    /// Calls `word(range)` for each word of `text`, in order; ranges are byte offsets.
    @inline(__always)
    public static func forEachWord(in text: UnsafeBufferPointer<UInt8>, _ word: (Range<Int>) -> Void) {
        guard let p = text.baseAddress else { return }
        let n = text.count
        var start = -1
        var i = 0
        while i < n {
            let b = p[i]
            var c = UInt32(b), length = 1
            if b >= 0x80 { (c, length) = UTF8Scalars.decode(p, i, n) }
            if Self.isASCIISpaceOrPunctuation(b, c) || (b >= 0x80 && (UnicodeTables.bertWhitespace.contains(c) || UnicodeTables.bertPunctuation.contains(c))) {
                if start >= 0 { word(start..<i); start = -1 }
                let isSpace = b < 0x80 ? (b == 0x20 || (b >= 0x09 && b <= 0x0D)) : UnicodeTables.bertWhitespace.contains(c)
                if !isSpace { word(i..<(i + length)) }
            } else if start < 0 {
                start = i
            }
            i += length
        }
        if start >= 0 { word(start..<n) }
    }

    @inline(__always)
    static func isASCIISpaceOrPunctuation(_ b: UInt8, _ c: UInt32) -> Bool {
        // Bit b of the two masks: ASCII white space (\t…\r, space) or punctuation
        // (!…/, :…@, [ … `, { … ~).
        guard b < 0x80 else { return false }
        return b < 64 ? (lowSplitMask >> UInt64(b)) & 1 != 0 : (highSplitMask >> UInt64(b - 64)) & 1 != 0
    }

    /// Bytes 0…63 that split: 0x09…0x0D, 0x20…0x2F, 0x3A…0x3F.
    static let lowSplitMask: UInt64 = 0x3E00 | 0xFFFF_0000_0000 | 0xFC00_0000_0000_0000
    /// Bytes 64…127 that split: 0x40, 0x5B…0x60, 0x7B…0x7E.
    static let highSplitMask: UInt64 = 0x1 | (0x3F << 27) | (0xF << 59)
}
