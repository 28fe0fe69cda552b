/// On-the-fly UTF-8 decoding over raw bytes, for the sentence splitter.
///
/// The splitter walks bytes and decodes a scalar only where a rule needs one (around a
/// terminal mark, at a word start). Decoding never fails: an invalid, overlong, surrogate or
/// truncated sequence decodes as U+FFFD with a length of one byte, so invalid input moves
/// forward one byte at a time and every byte stays inside some sentence range.
struct UTF8TextCursor {
    let bytes: UnsafeRawBufferPointer
    var count: Int { bytes.count }

    static let replacement: UInt32 = 0xFFFD

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    @inline(__always)
    subscript(i: Int) -> UInt8 { bytes[i] }

    /// The scalar that starts at byte `i` (`i < count`) and its length in bytes.
    @inline(__always)
    func scalar(at i: Int) -> (value: UInt32, length: Int) {
        let b0 = bytes[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        return decodeMultibyte(b0, at: i)
    }

    @inline(never)
    func decodeMultibyte(_ b0: UInt8, at i: Int) -> (value: UInt32, length: Int) {
        let n = bytes.count
        @inline(__always) func cont(_ j: Int) -> UInt32? {
            guard j < n else { return nil }
            let b = bytes[j]
            return b & 0xC0 == 0x80 ? UInt32(b & 0x3F) : nil
        }
        switch b0 {
        case 0xC2...0xDF:
            if let c1 = cont(i + 1) { return ((UInt32(b0 & 0x1F) << 6) | c1, 2) }
        case 0xE0...0xEF:
            if let c1 = cont(i + 1), let c2 = cont(i + 2) {
                let v = (UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2
                if v >= 0x800 && !(0xD800...0xDFFF).contains(v) { return (v, 3) }
            }
        case 0xF0...0xF4:
            if let c1 = cont(i + 1), let c2 = cont(i + 2), let c3 = cont(i + 3) {
                let v = (UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
                if v >= 0x10000 && v <= 0x10FFFF { return (v, 4) }
            }
        default:
            break
        }
        return (Self.replacement, 1)
    }

    /// The scalar that ends just before byte `end` (`end > 0`) and where it starts.
    @inline(__always)
    func scalar(before end: Int) -> (value: UInt32, start: Int) {
        let last = bytes[end - 1]
        if last < 0x80 { return (UInt32(last), end - 1) }
        var s = end - 1
        while s > 0 && end - s < 4 && bytes[s] & 0xC0 == 0x80 { s -= 1 }
        let d = scalar(at: s)
        if s + d.length == end { return (d.value, s) }
        return (Self.replacement, end - 1)
    }

    /// The first byte at or after `i` that does not start a white-space scalar.
    @inline(__always)
    func skipWhiteSpace(from i: Int) -> Int {
        var j = i
        while j < count {
            let b = bytes[j]
            if b == 0x20 || (b >= 0x09 && b <= 0x0D) { j += 1; continue }
            if b < 0x80 { return j }
            let d = scalar(at: j)
            guard ScalarClass.isWhiteSpace(d.value) else { return j }
            j += d.length
        }
        return j
    }

    /// The first byte before which there is no white space, searching back from `end` to `floor`.
    @inline(__always)
    func trimWhiteSpace(end: Int, floor: Int) -> Int {
        var j = end
        while j > floor {
            let b = bytes[j - 1]
            if b == 0x20 || (b >= 0x09 && b <= 0x0D) { j -= 1; continue }
            if b < 0x80 { return j }
            let d = scalar(before: j)
            guard d.start >= floor, ScalarClass.isWhiteSpace(d.value) else { return j }
            j = d.start
        }
        return j
    }
}
