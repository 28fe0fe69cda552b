/// GPT-2's pre-tokenization pattern, as HF's `ByteLevel` pre-tokenizer applies it, on UTF-8
/// bytes without a regex engine:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// Letters, numbers and white space are the classes HF's Oniguruma uses (probed into
/// `UnicodeTables`). Alternatives are tried in pattern order at each position, with the
/// pattern's backtracking of `\s+(?!\S)` reproduced: a run of white space followed by a
/// non-space leaves its last character to start the next piece.
public enum GPT2PreTokenizer {
    enum Class { case letter, number, space, other }

    @inline(__always)
    static func classify(_ c: UInt32) -> Class {
        if c < 0x80 {
            let b = UInt8(c)
            if (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) { return .letter }
            if b >= 0x30 && b <= 0x39 { return .number }
            if b == 0x20 || (b >= 0x09 && b <= 0x0D) { return .space }
            return .other
        }
        if UnicodeTables.gpt2Letters.contains(c) { return .letter }
        if UnicodeTables.gpt2Numbers.contains(c) { return .number }
        if UnicodeTables.gpt2Whitespace.contains(c) { return .space }
        return .other
    }

    /// Calls `piece(range)` for each pre-token of `text`, in order (byte offsets).
    public static func forEachPiece(in text: UnsafeBufferPointer<UInt8>, _ piece: (Range<Int>) -> Void) {
        guard let p = text.baseAddress else { return }
        let n = text.count
        @inline(__always) func scalar(_ i: Int) -> (Class, Int) {
            let (c, length) = UTF8Scalars.decode(p, i, n)
            return (classify(c), length)
        }
        /// End of the maximal run of `cls` starting at `i`.
        @inline(__always) func run(_ i: Int, _ cls: Class) -> Int {
            var j = i
            while j < n {
                let (c, length) = scalar(j)
                if c != cls { break }
                j += length
            }
            return j
        }
        var i = 0
        while i < n {
            // Contractions.
            if p[i] == 0x27, i + 1 < n {
                let a = p[i + 1]
                if a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 { piece(i..<(i + 2)); i += 2; continue }  // s t m d
                if i + 2 < n {
                    let b = p[i + 2]
                    if (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) {  // re ve ll
                        piece(i..<(i + 3)); i += 3; continue
                    }
                }
            }
            // An optional space before a letter, number or other run.
            var start = i
            if p[i] == 0x20 && i + 1 < n {
                let (next, _) = scalar(i + 1)
                if next != .space { start = i + 1 }
            }
            let (cls, length) = scalar(start)
            if cls == .space {
                // \s+(?!\S)|\s+
                let end = run(i, .space)
                if end == n {
                    piece(i..<end)
                    i = end
                } else {
                    // Leave the last white-space scalar for the next piece when the run has more than one.
                    var last = end - 1
                    while last > i && p[last] & 0xC0 == 0x80 { last -= 1 }
                    let stop = last > i ? last : end
                    piece(i..<stop)
                    i = stop
                }
                continue
            }
            let end = run(start + length, cls)
            piece(i..<end)
            i = end
        }
    }
}
