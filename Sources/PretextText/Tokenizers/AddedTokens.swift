#if canImport(Glibc)
import Glibc
#endif

/// Tokens matched in the raw text before normalization (HF's "added tokens": `[CLS]`,
/// `[MASK]`, `<s>`, …): a line is cut at each occurrence and the token's id is emitted as is.
///
/// Matching is leftmost, then longest, on bytes. `lstrip`/`rstrip` let a match swallow the
/// white space on its left/right; `singleWord` accepts a match only between non-word
/// characters. Only tokens with `normalized: false` are supported (all special tokens of
/// BERT, RoBERTa and GPT-2 files); loading a file with others is refused with a message.
public struct AddedTokens: Sendable {
    public struct Token: Sendable, Equatable {
        public var content: String
        public var id: UInt32
        public var special: Bool
        public var singleWord: Bool
        public var leftStrip: Bool
        public var rightStrip: Bool

        public init(content: String, id: UInt32, special: Bool = true, singleWord: Bool = false, leftStrip: Bool = false, rightStrip: Bool = false) {
            self.content = content
            self.id = id
            self.special = special
            self.singleWord = singleWord
            self.leftStrip = leftStrip
            self.rightStrip = rightStrip
        }
    }

    public let tokens: [Token]
    private let bytes: [[UInt8]]
    /// Indices of tokens by first byte, longest first.
    private let byFirstByte: [[Int]]
    /// The first byte of every token when they all share one (`[` for BERT's, `<` for
    /// RoBERTa's and GPT-2's), so that text between candidates is skipped with `memchr`.
    private let sharedFirstByte: UInt8?

    public init(_ tokens: [Token]) {
        self.tokens = tokens
        let encoded = tokens.map { Array($0.content.utf8) }
        var table = [[Int]](repeating: [], count: 256)
        for (k, b) in encoded.enumerated() where !b.isEmpty { table[Int(b[0])].append(k) }
        // Longest first, then earliest declared.
        for i in 0..<256 { table[i].sort { (encoded[$0].count, -$0) > (encoded[$1].count, -$1) } }
        bytes = encoded
        byFirstByte = table
        let firstBytes = Set(encoded.compactMap(\.first))
        sharedFirstByte = firstBytes.count == 1 ? firstBytes.first : nil
    }

    public var isEmpty: Bool { tokens.isEmpty }

    /// The content of the added token with `id`, if any.
    public func content(of id: UInt32) -> String? { tokens.first { $0.id == id }?.content }

    /// The id of the added token whose content is `content`, if any.
    public func id(of content: String) -> UInt32? { tokens.first { $0.content == content }?.id }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b >= 0x80
    }

    /// Splits `text` into runs of ordinary text (`.text(range)`) and added tokens (`.token(id)`).
    public func forEachPart(_ text: UnsafeBufferPointer<UInt8>, _ body: (Part) -> Void) {
        guard !tokens.isEmpty, let p = text.baseAddress else {
            body(.text(0..<text.count))
            return
        }
        let n = text.count
        var textStart = 0
        var i = 0
        while i < n {
            if let first = sharedFirstByte {
                // Jump to the next byte that can start a token, or stop.
                guard let hit = memchr(p + i, Int32(first), n - i) else { break }
                i = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - p
            }
            let candidates = byFirstByte[Int(p[i])]
            var matched = false
            for k in candidates {
                let t = bytes[k]
                guard n - i >= t.count else { continue }
                var equal = true
                for j in 1..<t.count where p[i + j] != t[j] { equal = false; break }
                guard equal else { continue }
                let token = tokens[k]
                if token.singleWord && ((i > 0 && Self.isWordByte(p[i - 1])) || (i + t.count < n && Self.isWordByte(p[i + t.count]))) { continue }
                var left = i, right = i + t.count
                if token.leftStrip { while left > textStart && Self.isSpace(p[left - 1]) { left -= 1 } }
                if token.rightStrip { while right < n && Self.isSpace(p[right]) { right += 1 } }
                if left > textStart { body(.text(textStart..<left)) }
                body(.token(token.id))
                textStart = right
                i = right
                matched = true
                break
            }
            if !matched { i += 1 }
        }
        if textStart < n { body(.text(textStart..<n)) }
    }

    public enum Part: Equatable {
        case text(Range<Int>)
        case token(UInt32)
    }
}
