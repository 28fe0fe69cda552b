#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict byte-level scanner for one JSON object per line (RFC 8259), made to pull one or
/// two top-level fields out of a JSONL record without building the object.
///
/// `scan` walks the whole line: it checks the grammar, skips every value it does not need
/// (nested objects and arrays up to `maxDepth`, strings with escapes, numbers,
/// `true`/`false`/`null`) and returns the spans of the values of the requested keys (the
/// last occurrence wins, as in most JSON libraries). Keys are compared after unescaping.
/// Strings may not hold raw control characters (U+0000–U+001F). The line must be valid
/// UTF-8 already (readers sanitize first); the scanner never allocates except to compare an
/// escaped key. Failures carry the 0-based byte offset where the scan stopped.
struct JSONFieldScanner {
    /// Containers nested deeper than this are rejected (bounds the recursion).
    static let maxDepth = 256

    enum Kind: Sendable, Equatable {
        case string, number, object, array, bool, null

        var name: String {
            switch self {
            case .string: "a string"
            case .number: "a number"
            case .object: "an object"
            case .array: "an array"
            case .bool: "a boolean"
            case .null: "null"
            }
        }
    }

    /// A value in the line: for strings the bytes between the quotes, otherwise the value's
    /// own text.
    struct Span: Sendable, Equatable {
        var start: Int
        var end: Int
        var kind: Kind
        /// A string with at least one backslash escape (needs `decodeString`).
        var hasEscapes: Bool
    }

    struct Failure: Error, Sendable, Equatable {
        var offset: Int
        var message: String
    }

    /// What `decodeString` repaired.
    struct DecodeNotes: Sendable, Equatable {
        var loneSurrogates = 0
        var nulCharacters = 0
    }

    private let p: UnsafeRawBufferPointer
    private var i = 0
    private var scratch: [UInt8] = []

    private init(_ line: UnsafeRawBufferPointer) { p = line }

    /// Scans `line` as one JSON object and returns the spans of `key` and `secondKey`'s values.
    static func scan(_ line: UnsafeRawBufferPointer, key: [UInt8], secondKey: [UInt8]?) throws(Failure) -> (Span?, Span?) {
        var s = JSONFieldScanner(line)
        return try s.topLevel(key: key, secondKey: secondKey)
    }

    // MARK: grammar

    /// The members of the object that is the whole of `object` (white space around it
    /// allowed), in order: key and value spans, offsets into `object`. For a tokenizer.json
    /// and its large maps, which JSONSerialization would turn into Foundation objects.
    static func members(_ object: UnsafeRawBufferPointer) throws(Failure) -> [(key: Span, value: Span)] {
        var s = JSONFieldScanner(object)
        var out: [(key: Span, value: Span)] = []
        try s.wholeObject { _, key, value in out.append((key, value)) }
        return out
    }

    /// The elements of the array that is the whole of `array`, in order (offsets into it).
    static func elements(_ array: UnsafeRawBufferPointer) throws(Failure) -> [Span] {
        var s = JSONFieldScanner(array)
        var out: [Span] = []
        s.skipWhitespace()
        guard s.i < s.p.count, s.p[s.i] == UInt8(ascii: "[") else { throw s.fail("expected '['") }
        try s.array(depth: 1) { out.append($0) }
        s.skipWhitespace()
        if s.i != s.p.count { throw s.fail("unexpected text after the array") }
        return out
    }

    /// The integer the number span `span` of `p` holds, or nil (a fraction, an exponent, or
    /// out of `Int`'s range).
    static func integer(_ p: UnsafeRawBufferPointer, _ span: Span) -> Int? {
        guard span.kind == .number else { return nil }
        var j = span.start
        let negative = p[j] == UInt8(ascii: "-")
        if negative { j += 1 }
        var v = 0
        while j < span.end {
            let d = Int(p[j]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            guard !o1 && !o2 else { return nil }
            v = a
            j += 1
        }
        return negative ? -v : v
    }

    /// The text of the string span `span` of `p`, escapes decoded.
    static func text(_ p: UnsafeRawBufferPointer, _ span: Span) -> String {
        guard span.hasEscapes else { return String(decoding: UnsafeRawBufferPointer(rebasing: p[span.start..<span.end]), as: UTF8.self) }
        var out: [UInt8] = []
        _ = decodeString(p, span, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: grammar

    private mutating func topLevel(key: [UInt8], secondKey: [UInt8]?) throws(Failure) -> (Span?, Span?) {
        var first: Span?, second: Span?
        try wholeObject { s, name, v in
            if s.matches(name, key) { first = v }
            if let secondKey, s.matches(name, secondKey) { second = v }
        }
        return (first, second)
    }

    /// Walks the object that is the whole input, calling `onMember` with each key and value.
    private mutating func wholeObject(_ onMember: (inout JSONFieldScanner, Span, Span) -> Void) throws(Failure) {
        skipWhitespace()
        guard i < p.count, p[i] == UInt8(ascii: "{") else {
            throw fail(i < p.count ? "expected '{' (a JSONL line must be one object)" : "empty line")
        }
        i += 1
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
                let name = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "expected ':' after a key")
                skipWhitespace()
                let v = try value(depth: 1)
                onMember(&self, name, v)
                skipWhitespace()
                guard i < p.count else { throw fail("unterminated object") }
                if p[i] == UInt8(ascii: ",") { i += 1; skipWhitespace(); continue }
                if p[i] == UInt8(ascii: "}") { i += 1; break }
                throw fail("expected ',' or '}'")
            }
        }
        skipWhitespace()
        if i != p.count { throw fail("unexpected text after the object") }
    }

    private mutating func value(depth: Int) throws(Failure) -> Span {
        guard i < p.count else { throw fail("expected a value") }
        let start = i
        switch p[i] {
        case UInt8(ascii: "\""):
            return try string()
        case UInt8(ascii: "{"):
            try object(depth: depth + 1)
            return Span(start: start, end: i, kind: .object, hasEscapes: false)
        case UInt8(ascii: "["):
            try array(depth: depth + 1)
            return Span(start: start, end: i, kind: .array, hasEscapes: false)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            return Span(start: start, end: i, kind: .number, hasEscapes: false)
        case UInt8(ascii: "t"):
            try literal("true")
            return Span(start: start, end: i, kind: .bool, hasEscapes: false)
        case UInt8(ascii: "f"):
            try literal("false")
            return Span(start: start, end: i, kind: .bool, hasEscapes: false)
        case UInt8(ascii: "n"):
            try literal("null")
            return Span(start: start, end: i, kind: .null, hasEscapes: false)
        default:
            throw fail("unexpected character, expected a value")
        }
    }

    private mutating func object(depth: Int) throws(Failure) {
        if depth > Self.maxDepth { throw fail("nested deeper than \(Self.maxDepth) levels") }
        i += 1  // {
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "}") { i += 1; return }
        while true {
            guard i < p.count, p[i] == UInt8(ascii: "\"") else { throw fail("expected a key string") }
            _ = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "expected ':' after a key")
            skipWhitespace()
            _ = try value(depth: depth)
            skipWhitespace()
            guard i < p.count else { throw fail("unterminated object") }
            if p[i] == UInt8(ascii: ",") { i += 1; skipWhitespace(); continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return }
            throw fail("expected ',' or '}'")
        }
    }

    /// At `[`; leaves `i` after `]`. `onElement` sees each element's span.
    private mutating func array(depth: Int, _ onElement: (Span) -> Void = { _ in }) throws(Failure) {
        if depth > Self.maxDepth { throw fail("nested deeper than \(Self.maxDepth) levels") }
        i += 1  // [
        skipWhitespace()
        if i < p.count && p[i] == UInt8(ascii: "]") { i += 1; return }
        while true {
            onElement(try value(depth: depth))
            skipWhitespace()
            guard i < p.count else { throw fail("unterminated array") }
            if p[i] == UInt8(ascii: ",") { i += 1; skipWhitespace(); continue }
            if p[i] == UInt8(ascii: "]") { i += 1; return }
            throw fail("expected ',' or ']'")
        }
    }

    /// At the opening quote; leaves `i` after the closing quote.
    private mutating func string() throws(Failure) -> Span {
        i += 1
        let start = i
        var escapes = false
        let n = p.count
        while i < n {
            let b = p[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return Span(start: start, end: i - 1, kind: .string, hasEscapes: escapes)
            }
            if b == UInt8(ascii: "\\") {
                escapes = true
                guard i + 1 < n else { break }
                switch p[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= n, Self.hex4(p, i + 2) != nil else { throw fail("\\u needs four hex digits") }
                    i += 6
                default:
                    throw fail("invalid escape in string")
                }
                continue
            }
            if b < 0x20 { throw fail("unescaped control character in string") }
            i += 1
        }
        throw fail("unterminated string")
    }

    private mutating func number() throws(Failure) {
        let n = p.count
        @inline(__always) func digit(_ j: Int) -> Bool { j < n && p[j] >= UInt8(ascii: "0") && p[j] <= UInt8(ascii: "9") }
        if p[i] == UInt8(ascii: "-") { i += 1 }
        if i < n && p[i] == UInt8(ascii: "0") {
            i += 1
        } else if digit(i) {
            while digit(i) { i += 1 }
        } else {
            throw fail("invalid number")
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { throw fail("invalid number: digits must follow '.'") }
            while digit(i) { i += 1 }
        }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i += 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i += 1 }
            guard digit(i) else { throw fail("invalid number: digits must follow the exponent") }
            while digit(i) { i += 1 }
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard i + count <= p.count, memcmp(p.baseAddress! + i, word.utf8Start, count) == 0 else {
            throw fail("invalid literal, expected \(word)")
        }
        i += count
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while i < p.count {
            let b = p[i]
            guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
            i += 1
        }
    }

    private mutating func expect(_ byte: UInt8, _ message: String) throws(Failure) {
        guard i < p.count, p[i] == byte else { throw fail(message) }
        i += 1
    }

    private func fail(_ message: String) -> Failure { Failure(offset: i, message: message) }

    /// Whether the key string `name` equals `key` (after unescaping).
    private mutating func matches(_ name: Span, _ key: [UInt8]) -> Bool {
        if !name.hasEscapes {
            guard name.end - name.start == key.count else { return false }
            if key.isEmpty { return true }
            return key.withUnsafeBytes { memcmp(p.baseAddress! + name.start, $0.baseAddress!, key.count) == 0 }
        }
        scratch.removeAll(keepingCapacity: true)
        _ = Self.decodeString(p, name, into: &scratch)
        return scratch == key
    }

    // MARK: decoding

    /// The four hex digits at `p[j..<j+4]` as a number, or nil.
    @inline(__always)
    static func hex4(_ p: UnsafeRawBufferPointer, _ j: Int) -> UInt32? {
        var v: UInt32 = 0
        for k in j..<(j + 4) {
            let c = p[k]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// Appends the UTF-8 of the string value `span` (scanned by `scan`, so its escapes are
    /// well formed) to `out`. `\uD800`–`\uDBFF` followed by `\uDC00`–`\uDFFF` is one
    /// character; a lone surrogate becomes U+FFFD. `\u0000` is dropped. Both are counted.
    static func decodeString(_ p: UnsafeRawBufferPointer, _ span: Span, into out: inout [UInt8]) -> DecodeNotes {
        var notes = DecodeNotes()
        let base = p.baseAddress!
        var i = span.start, run = span.start
        let end = span.end
        while i < end {
            if p[i] != UInt8(ascii: "\\") { i += 1; continue }
            out.append(contentsOf: UnsafeRawBufferPointer(start: base + run, count: i - run))
            let e = p[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(p, i)!
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    if i + 6 <= end && p[i] == UInt8(ascii: "\\") && p[i + 1] == UInt8(ascii: "u"),
                       let low = hex4(p, i + 2), low >= 0xDC00 && low <= 0xDFFF {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    } else {
                        scalar = 0xFFFD
                        notes.loneSurrogates += 1
                    }
                } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    scalar = 0xFFFD
                    notes.loneSurrogates += 1
                }
                if scalar == 0 {
                    notes.nulCharacters += 1
                } else {
                    appendUTF8(scalar, to: &out)
                }
            default: out.append(e)  // \" \\ \/
            }
            run = i
        }
        out.append(contentsOf: UnsafeRawBufferPointer(start: base + run, count: end - run))
        return notes
    }

    @inline(__always)
    static func appendUTF8(_ s: UInt32, to out: inout [UInt8]) {
        switch s {
        case 0..<0x80:
            out.append(UInt8(s))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | s >> 6)); out.append(UInt8(0x80 | s & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | s >> 12)); out.append(UInt8(0x80 | s >> 6 & 0x3F)); out.append(UInt8(0x80 | s & 0x3F))
        default:
            out.append(UInt8(0xF0 | s >> 18)); out.append(UInt8(0x80 | s >> 12 & 0x3F))
            out.append(UInt8(0x80 | s >> 6 & 0x3F)); out.append(UInt8(0x80 | s & 0x3F))
        }
    }
}
