/// A parser for the subset of TOML that pipeline files use.
///
/// Supported: comments, `[table]` and `[table.sub]` headers, `key = value` with bare or quoted
/// keys, basic strings (`"…"` with `\" \\ \n \t \r \uXXXX \UXXXXXXXX` escapes), literal
/// strings (`'…'`), integers (sign, `_` separators, `0x`), floats (fraction, exponent),
/// booleans, and arrays of those (across lines, trailing comma allowed). Not supported, and
/// refused with the line number: inline tables, arrays of tables, dotted keys on the left of
/// `=`, multi-line strings, dates. Why not a library: TOMLKit, the Swift TOML package on this
/// machine's mirror, depends on a package (karwa/swift-checkit) the mirror does not carry, so
/// SwiftPM cannot resolve it here.
///
/// Values are addressed by their full dotted path: `task.max_seq_length`.
public struct TOMLDocument: Sendable, Equatable {
    public indirect enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([Value])

        public var description: String {
            switch self {
            case .string(let s): return "\"\(s)\""
            case .integer(let i): return String(i)
            case .float(let d): return String(d)
            case .boolean(let b): return String(b)
            case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
            }
        }
    }

    /// Values by dotted path, and the order keys appeared in.
    public private(set) var values: [String: Value] = [:]
    public private(set) var keys: [String] = []

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public init() {}

    public init(parsing text: String) throws {
        var parser = Parser(Array(text.unicodeScalars))
        var table = ""
        while true {
            parser.skipBlankAndComments()
            guard let c = parser.peek() else { break }
            if c == "[" {
                parser.advance()
                if parser.peek() == "[" { throw parser.error("arrays of tables ([[…]]) are not supported") }
                var parts: [String] = []
                repeat {
                    parser.skipSpaces()
                    parts.append(try parser.key())
                    parser.skipSpaces()
                } while parser.consume(".")
                guard parser.consume("]") else { throw parser.error("expected ] after the table name") }
                table = parts.joined(separator: ".")
                try parser.endOfLine()
                continue
            }
            let key = try parser.key()
            parser.skipSpaces()
            if parser.peek() == "." { throw parser.error("dotted keys are not supported; use a [table] header") }
            guard parser.consume("=") else { throw parser.error("expected = after \(key)") }
            parser.skipSpaces()
            let value = try parser.value()
            try parser.endOfLine()
            let path = table.isEmpty ? key : table + "." + key
            guard values[path] == nil else { throw parser.error("\(path) is defined twice") }
            values[path] = value
            keys.append(path)
        }
    }

    /// Sets `path` (dotted) to `value`, adding the key if new.
    public mutating func set(_ path: String, _ value: Value) {
        if values[path] == nil { keys.append(path) }
        values[path] = value
    }

    /// Parses the right-hand side of `--set key=value`: a TOML value, or a bare word as a string.
    public static func parseValue(_ text: String) throws -> Value {
        var parser = Parser(Array(text.unicodeScalars))
        if let v = try? parser.value(), parser.atEnd { return v }
        return .string(text)
    }

    struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1

        init(_ s: [Unicode.Scalar]) { self.s = s }

        var atEnd: Bool { i >= s.count }
        func peek() -> Unicode.Scalar? { i < s.count ? s[i] : nil }
        mutating func advance() { if i < s.count { if s[i] == "\n" { line += 1 }; i += 1 } }
        mutating func consume(_ c: Unicode.Scalar) -> Bool {
            if peek() == c { advance(); return true }
            return false
        }
        func error(_ message: String) -> ParseError { ParseError(line: line, message: message) }

        mutating func skipSpaces() { while let c = peek(), c == " " || c == "\t" { advance() } }

        mutating func skipBlankAndComments() {
            while let c = peek() {
                if c == " " || c == "\t" || c == "\n" || c == "\r" { advance() } else if c == "#" {
                    while let d = peek(), d != "\n" { advance() }
                } else { return }
            }
        }

        mutating func endOfLine() throws {
            skipSpaces()
            if consume("#") { while let d = peek(), d != "\n" { advance() } }
            _ = consume("\r")
            guard atEnd || consume("\n") else { throw error("unexpected text after the value") }
        }

        mutating func key() throws -> String {
            if peek() == "\"" { return try basicString() }
            if peek() == "'" { return try literalString() }
            var out = ""
            while let c = peek(), (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-" {
                out.unicodeScalars.append(c)
                advance()
            }
            guard !out.isEmpty else { throw error("expected a key") }
            return out
        }

        mutating func value() throws -> Value {
            guard let c = peek() else { throw error("expected a value") }
            switch c {
            case "\"":
                if s.count > i + 2 && s[i + 1] == "\"" && s[i + 2] == "\"" { throw error("multi-line strings are not supported") }
                return .string(try basicString())
            case "'": return .string(try literalString())
            case "[": return try array()
            case "{": throw error("inline tables are not supported")
            case "t", "f":
                let word = bareWord()
                if word == "true" { return .boolean(true) }
                if word == "false" { return .boolean(false) }
                throw error("unknown value \(word)")
            default:
                return try number()
            }
        }

        mutating func bareWord() -> String {
            var out = ""
            while let c = peek(), !(c == " " || c == "\t" || c == "\n" || c == "\r" || c == "," || c == "]" || c == "#") {
                out.unicodeScalars.append(c)
                advance()
            }
            return out
        }

        mutating func number() throws -> Value {
            let word = bareWord().replacingUnderscores()
            if word.hasPrefix("0x"), let v = Int64(word.dropFirst(2), radix: 16) { return .integer(v) }
            if let v = Int64(word) { return .integer(v) }
            if let v = Double(word), word.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return .float(v) }
            if word == "inf" || word == "+inf" { return .float(.infinity) }
            if word == "-inf" { return .float(-.infinity) }
            throw error("\(word.isEmpty ? "nothing" : word) is not a value (strings need quotes)")
        }

        mutating func array() throws -> Value {
            advance()  // [
            var items: [Value] = []
            while true {
                skipBlankAndComments()
                if consume("]") { return .array(items) }
                items.append(try value())
                skipBlankAndComments()
                if consume(",") { continue }
                skipBlankAndComments()
                guard consume("]") else { throw error("expected , or ] in an array") }
                return .array(items)
            }
        }

        mutating func literalString() throws -> String {
            advance()
            var out = ""
            while let c = peek() {
                if c == "'" { advance(); return out }
                if c == "\n" { break }
                out.unicodeScalars.append(c)
                advance()
            }
            throw error("unterminated string")
        }

        mutating func basicString() throws -> String {
            advance()
            var out = ""
            while let c = peek() {
                advance()
                switch c {
                case "\"": return out
                case "\n": throw error("unterminated string")
                case "\\":
                    guard let e = peek() else { throw error("unterminated escape") }
                    advance()
                    switch e {
                    case "\"": out += "\""
                    case "\\": out += "\\"
                    case "n": out += "\n"
                    case "t": out += "\t"
                    case "r": out += "\r"
                    case "u", "U":
                        let n = e == "u" ? 4 : 8
                        var hex = ""
                        for _ in 0..<n { if let h = peek() { hex.unicodeScalars.append(h); advance() } }
                        guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else { throw error("bad \\\(e) escape") }
                        out.unicodeScalars.append(scalar)
                    default: throw error("unknown escape \\\(e)")
                    }
                default: out.unicodeScalars.append(c)
                }
            }
            throw error("unterminated string")
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(unicodeScalars.filter { $0 != "_" }.map(Character.init)) }
}
