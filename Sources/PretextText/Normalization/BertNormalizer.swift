import Synchronization

/// HF tokenizers' `BertNormalizer`, on UTF-8 bytes: clean text, CJK spacing, accent
/// stripping (NFD, then nonspacing marks removed), lowercasing — in that order, each on or off.
///
/// Every step maps one scalar to zero or more scalars, so the composition is a per-scalar
/// table. It is built once per option set: an ASCII table (the fast path: one load and
/// usually one store per byte), a dense table for the BMP, and on-the-fly composition for
/// the rare scalars above it. The character classes come from HF itself
/// (`UnicodeTables`), so Pretext agrees with it even where Unicode versions differ.
/// Known difference: NFD's canonical reordering of consecutive combining marks that are
/// not nonspacing marks (Mc/Me after Mn removal) is not applied.
public struct BertNormalizer: Sendable {
    public struct Options: Sendable, Equatable, Hashable {
        public var cleanText: Bool
        public var handleChineseCharacters: Bool
        /// nil = follow `lowercase` (HF's default).
        public var stripAccents: Bool?
        public var lowercase: Bool

        public init(cleanText: Bool = true, handleChineseCharacters: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
            self.cleanText = cleanText
            self.handleChineseCharacters = handleChineseCharacters
            self.stripAccents = stripAccents
            self.lowercase = lowercase
        }

        var stripsAccents: Bool { stripAccents ?? lowercase }
    }

    public let options: Options

    /// Per-scalar action for U+0000…U+FFFF: `keep` (copy the bytes), `remove`, or
    /// `(offset << 5) | length` of the replacement's UTF-8 bytes in `pool`.
    let bmp: [UInt32]
    let pool: [UInt8]
    /// Bit b set when ASCII byte b is kept as it is (bytes 0…63, then 64…127): runs of such
    /// bytes are copied in one go.
    private let asciiKeptLow: UInt64, asciiKeptHigh: UInt64
    static let keep: UInt32 = 0
    static let remove: UInt32 = 0xFFFF_FFFF

    /// The tables built so far in this process, per option set (there are 24 option sets; a
    /// build, a test run or a fuzzer loads many tokenizers with the same few): the first
    /// normalizer of an option set builds them, every later one shares the same arrays.
    private static let builtTables = Mutex<[Options: (bmp: [UInt32], pool: [UInt8])]>([:])

    public init(options: Options = Options()) {
        if let built = Self.builtTables.withLock({ $0[options] }) {
            self.init(options: options, bmp: built.bmp, pool: built.pool)
            return
        }
        let (table, pool) = Self.buildTables(options)
        Self.builtTables.withLock { $0[options] = (table, pool) }
        self.init(options: options, bmp: table, pool: pool)
    }

    /// The BMP table and replacement pool of `options` (see `bmp`, `pool`).
    private static func buildTables(_ options: Options) -> (bmp: [UInt32], pool: [UInt8]) {
        var table = [UInt32](repeating: Self.keep, count: 0x10000)
        var pool: [UInt8] = []
        pool.reserveCapacity(1 << 18)
        // Only scalars some step touches can differ from themselves: the clean-text sets, the
        // CJK ranges, Hangul syllables and the keys of the accent and lowercase maps. Each
        // candidate is flagged with the steps that touch it, range by range (a membership test
        // of every BMP scalar cost more than the rest of the build).
        let clean: UInt8 = 1, cjk: UInt8 = 2, other: UInt8 = 4
        var candidate = [UInt8](repeating: 0, count: 0x10000)
        func flag(_ ranges: [ClosedRange<UInt32>], _ bit: UInt8) {
            for r in ranges where r.lowerBound < 0x10000 {
                for c in r.lowerBound...min(r.upperBound, 0xFFFF) { candidate[Int(c)] |= bit }
            }
        }
        if options.cleanText {
            flag(UnicodeTableText.ranges(GeneratedUnicodeTables.cleanRemoved), clean)
            flag(UnicodeTableText.ranges(GeneratedUnicodeTables.cleanToSpace), clean)
        }
        // The BMP part of `UnicodeTables.isChineseCharacter`.
        if options.handleChineseCharacters { flag([0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF], cjk) }
        if options.stripsAccents {
            for c in UnicodeTables.stripAccents.keys where c < 0x10000 { candidate[Int(c)] |= other }
            flag([0xAC00...0xD7A3], other)
        }
        if options.lowercase { for c in UnicodeTables.lowercase.keys where c < 0x10000 { candidate[Int(c)] |= other } }
        // Two kinds are written directly, without composing the steps, for the tens of
        // thousands of them: a CJK character no other step touches becomes " c " (the spaces it
        // gains are left alone by every step, checked here), and a Hangul syllable only accent
        // stripping touches becomes its conjoining jamo (when no step changes a jamo).
        let spacedDirectly = options.handleChineseCharacters && Self.map(0x20, options) == [0x20]
        let jamoDirectly = options.stripsAccents && (UInt32(0x1100)...0x11FF).allSatisfy { Self.map($0, options) == [$0] }
        var mapped: [UInt32] = [], work: [UInt32] = []
        for c in UInt32(0)..<0x10000 where candidate[Int(c)] != 0 && !(0xD800...0xDFFF).contains(c) {
            let start = pool.count
            let flags = candidate[Int(c)]
            if spacedDirectly && flags == cjk {
                pool.append(0x20)
                UTF8Scalars.append(c, to: &pool)
                pool.append(0x20)
            } else if jamoDirectly && flags == other && (0xAC00...0xD7A3).contains(c) {
                mapped.removeAll(keepingCapacity: true)
                _ = Self.appendHangulDecomposition(c, to: &mapped)
                for s in mapped { UTF8Scalars.append(s, to: &pool) }
            } else {
                Self.map(c, options, into: &mapped, scratch: &work)
                if mapped.count == 1 && mapped[0] == c { continue }
                if mapped.isEmpty { table[Int(c)] = Self.remove; continue }
                for s in mapped { UTF8Scalars.append(s, to: &pool) }
            }
            let length = pool.count - start
            precondition(length < 32, "normalized form of U+\(String(c, radix: 16)) too long")
            table[Int(c)] = (UInt32(start) << 5) | UInt32(length)
        }
        return (table, pool)
    }

    /// A normalizer over tables built before (read from a `TokenizerImage`): `bmp` has
    /// 0x10000 entries, each `keep`, `remove` or a `(offset << 5) | length` inside `pool`.
    init(options: Options, bmp: [UInt32], pool: [UInt8]) {
        precondition(bmp.count == 0x10000, "a BMP table has 0x10000 entries")
        self.options = options
        self.bmp = bmp
        self.pool = pool
        var low: UInt64 = 0, high: UInt64 = 0
        for b in 0..<128 where bmp[b] == Self.keep {
            if b < 64 { low |= 1 << UInt64(b) } else { high |= 1 << UInt64(b - 64) }
        }
        (asciiKeptLow, asciiKeptHigh) = (low, high)
    }

    /// The scalars `c` becomes under `options` (composition of the four steps).
    static func map(_ c: UInt32, _ options: Options) -> [UInt32] {
        var seq: [UInt32] = [], scratch: [UInt32] = []
        map(c, options, into: &seq, scratch: &scratch)
        return seq
    }

    /// `map(c, options)` into `seq` (replaced), with `scratch` as working space: the table
    /// build calls this for tens of thousands of scalars, so it reuses both buffers.
    static func map(_ c: UInt32, _ options: Options, into seq: inout [UInt32], scratch: inout [UInt32]) {
        seq.removeAll(keepingCapacity: true)
        if options.cleanText && UnicodeTables.cleanRemoved.contains(c) { return }
        seq.append(options.cleanText && UnicodeTables.cleanToSpace.contains(c) ? 0x20 : c)
        if options.handleChineseCharacters && UnicodeTables.isChineseCharacter(c) {
            seq.removeAll(keepingCapacity: true)
            seq.append(0x20); seq.append(c); seq.append(0x20)
        }
        if options.stripsAccents {
            scratch.removeAll(keepingCapacity: true)
            for s in seq {
                if Self.appendHangulDecomposition(s, to: &scratch) {} else if let m = UnicodeTables.stripAccents[s] { scratch += m } else { scratch.append(s) }
            }
            swap(&seq, &scratch)
        }
        if options.lowercase {
            scratch.removeAll(keepingCapacity: true)
            for s in seq {
                if let m = UnicodeTables.lowercase[s] { scratch += m } else { scratch.append(s) }
            }
            swap(&seq, &scratch)
        }
    }

    /// Appends the canonical decomposition of a precomposed Hangul syllable into conjoining
    /// jamo (Unicode §3.12) and returns true, or returns false for other scalars.
    static func appendHangulDecomposition(_ s: UInt32, to out: inout [UInt32]) -> Bool {
        guard (0xAC00...0xD7A3).contains(s) else { return false }
        let index = s - 0xAC00
        out.append(0x1100 + index / 588)
        out.append(0x1161 + (index % 588) / 28)
        if index % 28 != 0 { out.append(0x11A7 + index % 28) }
        return true
    }

    /// Appends the normalized form of UTF-8 `input` to `out`.
    public func normalize(_ input: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = input.count
        out.reserveCapacity(out.count + n + n / 4)
        bmp.withUnsafeBufferPointer { table in
            pool.withUnsafeBufferPointer { pool in
                var i = 0
                while i < n {
                    // A run of ASCII bytes that stay as they are: one copy.
                    var j = i
                    while j < n {
                        let b = base[j]
                        guard b < 0x80, (b < 64 ? (asciiKeptLow >> UInt64(b)) : (asciiKeptHigh >> UInt64(b - 64))) & 1 != 0 else { break }
                        j += 1
                    }
                    if j > i {
                        out.append(contentsOf: UnsafeBufferPointer(start: base + i, count: j - i))
                        i = j
                        if i == n { break }
                    }
                    let (c, length) = UTF8Scalars.decode(base, i, n)
                    let action: UInt32
                    if c < 0x10000 {
                        action = table[Int(c)]
                    } else {
                        let mapped = Self.map(c, options)
                        if !(mapped.count == 1 && mapped[0] == c) {
                            for s in mapped { UTF8Scalars.append(s, to: &out) }
                            i += length
                            continue
                        }
                        action = Self.keep
                    }
                    if action == Self.keep {
                        if length == 1 { out.append(base[i]) } else { out.append(contentsOf: UnsafeBufferPointer(start: base + i, count: length)) }
                    } else if action != Self.remove {
                        let offset = Int(action >> 5), count = Int(action & 31)
                        if count == 1 { out.append(pool[offset]) } else { out.append(contentsOf: UnsafeBufferPointer(rebasing: pool[offset..<(offset + count)])) }
                    }
                    i += length
                }
            }
        }
    }
}
