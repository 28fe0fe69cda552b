/// The simplest tokenizer: every UTF-8 byte is a token (ids 0...255), plus five specials.
///
/// Needs no vocabulary file, so `pretext pack` can turn any text into shards before a
/// trained WordPiece or BPE vocabulary exists. Specials: `[PAD]` 256, `[CLS]` 257,
/// `[SEP]` 258, `[MASK]` 259, `[EOD]` 260 (end of document in causal blocks).
public enum UTF8ByteTokenizer {
    public static let pad: UInt32 = 256
    public static let cls: UInt32 = 257
    public static let sep: UInt32 = 258
    public static let mask: UInt32 = 259
    public static let endOfDocument: UInt32 = 260
    public static let vocabularySize = 261

    /// Appends the ids of `bytes` to `ids`.
    @inline(__always)
    public static func encode(_ bytes: some Collection<UInt8>, into ids: inout [UInt32]) {
        ids.reserveCapacity(ids.count + bytes.count)
        for b in bytes { ids.append(UInt32(b)) }
    }

    /// Token strings by id: printable ASCII as itself, other bytes as `<0xNN>`, then specials.
    public static var vocabulary: Vocabulary {
        var tokens: [String] = []
        for b in 0..<256 {
            if b > 0x20 && b < 0x7F {
                tokens.append(String(UnicodeScalar(UInt8(b))))
            } else {
                let h = String(b, radix: 16, uppercase: true)
                tokens.append("<0x\(h.count == 1 ? "0" + h : h)>")
            }
        }
        tokens += ["[PAD]", "[CLS]", "[SEP]", "[MASK]", "[EOD]"]
        return Vocabulary(tokens: tokens)
    }
}
