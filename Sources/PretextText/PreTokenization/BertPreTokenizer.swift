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
        guard b < 0x80 else { return false }
        return b == 0x20 || (b >= 0x09 && b <= 0x0D) || (b >= 0x21 && b <= 0x2F) || (b >= 0x3A && b <= 0x40)
            || (b >= 0x5B && b <= 0x60) || (b >= 0x7B && b <= 0x7E)
    }
}
