/// A JSON value with object keys in a fixed order, and its byte-stable text.
///
/// Vocabulary files are written with this instead of Foundation's serializer so that the
/// bytes depend only on the value: keys in the order given (HF's layout), two-space
/// indentation, arrays of scalars on one line, strings escaped as serde_json does (only
/// `"`, `\` and control characters; other characters written as UTF-8).
public indirect enum JSONOutput {
    case null
    case bool(Bool)
    case int(Int)
    case string(String)
    case array([JSONOutput])
    case object([(String, JSONOutput)])

    /// The value as text; `pretty` indents nested objects and arrays of non-scalars.
    func text(pretty: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        write(to: &out, indent: 0, pretty: pretty)
        if pretty { out.append(0x0A) }
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    private func write(to out: inout [UInt8], indent: Int, pretty: Bool) {
        func newline(_ level: Int) {
            guard pretty else { return }
            out.append(0x0A)
            out.append(contentsOf: repeatElement(0x20, count: 2 * level))
        }
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let n): out.append(contentsOf: String(n).utf8)
        case .string(let s): Self.appendString(s, to: &out)
        case .array(let items):
            out.append(0x5B)
            if items.isEmpty { out.append(0x5D); return }
            let inline = !pretty || items.allSatisfy(\.isScalar)
            for (k, item) in items.enumerated() {
                if k > 0 { out.append(0x2C); if inline && pretty { out.append(0x20) } }
                if !inline { newline(indent + 1) }
                item.write(to: &out, indent: indent + 1, pretty: pretty)
            }
            if !inline { newline(indent) }
            out.append(0x5D)
        case .object(let members):
            out.append(0x7B)
            if members.isEmpty { out.append(0x7D); return }
            for (k, (key, value)) in members.enumerated() {
                if k > 0 { out.append(0x2C) }
                newline(indent + 1)
                Self.appendString(key, to: &out)
                out.append(0x3A)
                if pretty { out.append(0x20) }
                value.write(to: &out, indent: indent + 1, pretty: pretty)
            }
            newline(indent)
            out.append(0x7D)
        }
    }

    /// Appends `s` as a JSON string literal (quotes, escapes) to `out`.
    public static func appendString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: out.append(contentsOf: [0x5C, 0x72])
            case 0x09: out.append(contentsOf: [0x5C, 0x74])
            case 0x08: out.append(contentsOf: [0x5C, 0x62])
            case 0x0C: out.append(contentsOf: [0x5C, 0x66])
            case 0..<0x20: out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }
}
