/// What the masker needs to know about a vocabulary: the `[MASK]` id, which ids are special
/// (never masked, never drawn as random replacements), and which ids continue a word.
///
/// Word boundaries: WordPiece marks continuations (`##ing`); byte-level BPE marks word starts
/// (`Ġ`, the byte-to-unicode form of a leading space) — every other token continues the word
/// before it. Both are turned into one `isContinuation` table by id. A final class: shared by
/// every thread of a build, read per token without reference counting on its tables.
public final class MaskingVocabulary: @unchecked Sendable {
    public let maskID: UInt32
    /// `isSpecial[id]`: never chosen for masking, never a random replacement.
    public let isSpecial: [Bool]
    /// `isContinuation[id]`: the token continues the previous token's word.
    public let isContinuation: [Bool]
    /// Ids random replacements are drawn from (the non-special vocabulary), ascending.
    public let randomPool: [UInt32]

    public convenience init(size: Int, maskID: UInt32, specialIDs: Set<UInt32>, continuation: (UInt32) -> Bool) {
        var special = [Bool](repeating: false, count: size)
        var cont = [Bool](repeating: false, count: size)
        var pool: [UInt32] = []
        for id in 0..<size {
            let u = UInt32(id)
            special[id] = specialIDs.contains(u)
            cont[id] = !special[id] && continuation(u)
            if !special[id] { pool.append(u) }
        }
        self.init(maskID: maskID, isSpecial: special, isContinuation: cont, randomPool: pool)
    }

    /// Bit 0: special; bit 1: continuation — by id, in one raw buffer read per token by the
    /// masker without reference counting (immutable after init). Visible to inlining, so the
    /// per-token tests below compile into callers in other modules too (the build's counters).
    @usableFromInline let flags: UnsafeMutablePointer<UInt8>
    @usableFromInline let size: Int

    private init(maskID: UInt32, isSpecial: [Bool], isContinuation: [Bool], randomPool: [UInt32]) {
        self.maskID = maskID
        self.isSpecial = isSpecial
        self.isContinuation = isContinuation
        self.randomPool = randomPool
        size = isSpecial.count
        flags = .allocate(capacity: max(1, size))
        for id in 0..<size { flags[id] = (isSpecial[id] ? 1 : 0) | (isContinuation[id] ? 2 : 0) }
    }

    deinit { flags.deallocate() }


    /// For a WordPiece vocabulary: continuations start with `prefix` (`##`).
    public static func wordPiece(tokens: [String], maskID: UInt32, specialIDs: Set<UInt32>, prefix: String = "##") -> MaskingVocabulary {
        // On UTF-8 bytes, as HF's `starts_with` (and 30 times cheaper than Character-wise hasPrefix).
        let prefixBytes = Array(prefix.utf8)
        return MaskingVocabulary(size: tokens.count, maskID: maskID, specialIDs: specialIDs) { tokens[Int($0)].utf8.starts(with: prefixBytes) }
    }

    /// For a byte-level BPE vocabulary (byte-to-unicode strings): word starts begin with `Ġ`
    /// (a space) or are not letters/digits at all; other tokens continue a word.
    public static func byteLevel(tokens: [String], maskID: UInt32, specialIDs: Set<UInt32>) -> MaskingVocabulary {
        // First scalars come from the 256 of the byte-to-unicode alphabet (bar added tokens):
        // each one's properties are looked up once, not once per token.
        var continues: [UInt32: Bool] = [:]
        return MaskingVocabulary(size: tokens.count, maskID: maskID, specialIDs: specialIDs) { id in
            guard let first = tokens[Int(id)].unicodeScalars.first else { return false }
            if let known = continues[first.value] { return known }
            let value = first != "\u{0120}" && (first.properties.isAlphabetic || first.properties.numericType != nil)
            continues[first.value] = value
            return value
        }
    }

    @inlinable @inline(__always) public func special(_ id: UInt32) -> Bool { Int(id) < size && flags[Int(id)] & 1 != 0 }
    @inlinable @inline(__always) public func continues(_ id: UInt32) -> Bool { Int(id) < size && flags[Int(id)] & 2 != 0 }
}
