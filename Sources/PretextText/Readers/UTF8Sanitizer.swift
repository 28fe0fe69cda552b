/// Cleans one line of bytes: removes NUL bytes and repairs or rejects invalid UTF-8.
///
/// `sanitize` first runs a fast validating loop (8 bytes at a time while the text is ASCII
/// without NUL). A clean line comes back as `.unchanged`: the caller keeps using its own
/// bytes, nothing is copied. Otherwise the line is rewritten into `output` (a buffer reused
/// from line to line): every NUL is removed and, under `.replace`, every maximal subpart of
/// an ill-formed sequence becomes one U+FFFD (EF BF BD) — the Unicode/WHATWG rule that
/// `String(decoding:as: UTF8.self)` and Python's `decode('utf-8', 'replace')` follow. Under
/// `.dropLine` the first invalid sequence ends the work with `.dropped`.
///
/// Well-formed UTF-8 here is Unicode Table 3-7: no overlong forms, no surrogates
/// (ED A0–BF), nothing above U+10FFFF.
public struct UTF8Sanitizer {
    public enum Outcome: Sendable, Equatable {
        /// The line is valid UTF-8 without NUL: use it as it is.
        case unchanged
        /// The repaired line is in `output`.
        case rewritten
        /// The line holds invalid UTF-8 and the policy is `.dropLine`.
        case dropped
    }

    public let policy: InvalidUTF8Policy
    /// The repaired bytes after `.rewritten`; overwritten by the next call.
    public private(set) var output: [UInt8] = []
    /// NUL bytes removed by the last call.
    public private(set) var nulBytes = 0
    /// Maximal invalid subparts found by the last call (with `.dropLine`: 1 when dropped).
    public private(set) var invalidSequences = 0

    public init(policy: InvalidUTF8Policy) {
        self.policy = policy
    }

    /// Checks `line` and, if needed, writes the cleaned bytes into `output`.
    public mutating func sanitize(_ line: UnsafeRawBufferPointer) -> Outcome {
        nulBytes = 0
        invalidSequences = 0
        let first = Self.firstProblem(line)
        if first == line.count { return .unchanged }
        output.removeAll(keepingCapacity: true)
        let p = line.baseAddress!
        let n = line.count
        var i = first
        var run = 0  // start of the pending run of good bytes to copy
        while i < n {
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b < 0x80 {
                if b == 0 {
                    output.append(contentsOf: UnsafeRawBufferPointer(start: p + run, count: i - run))
                    nulBytes += 1
                    run = i + 1
                }
                i += 1
                continue
            }
            let r = Self.sequence(p, i, n)
            if r > 0 { i += r; continue }
            invalidSequences += 1
            if policy == .dropLine { return .dropped }
            output.append(contentsOf: UnsafeRawBufferPointer(start: p + run, count: i - run))
            output.append(0xEF); output.append(0xBF); output.append(0xBD)
            i -= r
            run = i
        }
        output.append(contentsOf: UnsafeRawBufferPointer(start: p + run, count: n - run))
        return .rewritten
    }

    /// Offset of the first NUL byte or ill-formed sequence, or `line.count` when there is none.
    public static func firstProblem(_ line: UnsafeRawBufferPointer) -> Int {
        let n = line.count
        guard n > 0, let p = line.baseAddress else { return 0 }
        var i = 0
        while i < n {
            // ASCII without NUL, a word at a time: no byte has its high bit set and none is zero.
            while i + 8 <= n {
                let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let zero = (w &- 0x0101_0101_0101_0101) & ~w
                if (w | zero) & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
            if i >= n { break }
            let b = p.load(fromByteOffset: i, as: UInt8.self)
            if b < 0x80 {
                if b == 0 { return i }
                i += 1
                continue
            }
            let r = sequence(p, i, n)
            if r < 0 { return i }
            i += r
        }
        return n
    }

    /// The sequence starting at the non-ASCII byte `p[i]`: its length (2–4) when well formed,
    /// otherwise minus the length of its maximal invalid subpart (−1…−3).
    @inline(__always)
    static func sequence(_ p: UnsafeRawPointer, _ i: Int, _ n: Int) -> Int {
        let b = p.load(fromByteOffset: i, as: UInt8.self)
        let need: Int
        var lo: UInt8 = 0x80, hi: UInt8 = 0xBF
        switch b {
        case 0xC2...0xDF: need = 1
        case 0xE0: need = 2; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: need = 2
        case 0xED: need = 2; hi = 0x9F
        case 0xF0: need = 3; lo = 0x90
        case 0xF1...0xF3: need = 3
        case 0xF4: need = 3; hi = 0x8F
        default: return -1  // 80–C1, F5–FF: never a lead byte
        }
        guard i + 1 < n else { return -1 }
        let b1 = p.load(fromByteOffset: i + 1, as: UInt8.self)
        guard b1 >= lo && b1 <= hi else { return -1 }
        if need == 1 { return 2 }
        guard i + 2 < n, p.load(fromByteOffset: i + 2, as: UInt8.self) & 0xC0 == 0x80 else { return -2 }
        if need == 2 { return 3 }
        guard i + 3 < n, p.load(fromByteOffset: i + 3, as: UInt8.self) & 0xC0 == 0x80 else { return -3 }
        return 4
    }
}
