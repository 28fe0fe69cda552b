#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PretextCore

/// Reads JSONL: one JSON object per line; the string in `textField` is one document.
///
/// The text is split into segments on `"\n"`; each segment has ASCII white space (and so a
/// `\r`) trimmed, and blank ones only separate. Documents have
/// `segmentsAreSentences == false` and `externalID` from `idField` when given (a string's
/// value, or a number's JSON text). Lines that are blank are ignored. A line that is not
/// one well-formed JSON object, has no `textField`, or whose `textField` is not a string
/// is skipped and counted in `report.malformedJSONLines` with a `path:line: what` message;
/// every other line still comes through. A missing or non-scalar id is reported and the
/// document kept with `externalID == nil`. A record with empty text counts as an empty
/// document. Lines over `maxLineBytes` are skipped (never split) and reported. The line is
/// sanitized like every input (BOM, NUL, invalid UTF-8) before it is parsed; `\u0000` in the
/// text is removed (`report.nulBytes`) and lone `\u` surrogates become U+FFFD
/// (`report.invalidUTF8Lines`; with `.dropLine` the record is dropped).
/// Streaming: memory is the line buffer, one decoded text and the current document.
public final class JSONLinesReader: DocumentReader {
    public let path: String
    public let inputOrdinal: UInt32
    /// The key whose string value is the document text.
    public let textField: String
    /// The key whose value becomes `Document.externalID`, if any.
    public let idField: String?
    private let input: InputLines

    /// Opens `path` (`"-"`: standard input), decompressing `.gz` / `.zst` by extension.
    public convenience init(path: String, inputOrdinal: UInt32, textField: String = "text", idField: String? = nil,
                            options: ReaderOptions = ReaderOptions()) throws {
        try self.init(source: InputCompression(path: path).openSource(path: path, options: options), inputOrdinal: inputOrdinal,
                      textField: textField, idField: idField, options: options)
    }

    /// Reads from `source`; `atInputStart: false` for a part of an input that does not start
    /// at its first byte (no byte order mark is looked for).
    public init(source: any ByteSource, inputOrdinal: UInt32, textField: String = "text", idField: String? = nil,
                options: ReaderOptions = ReaderOptions(), atInputStart: Bool = true) {
        path = source.path
        self.inputOrdinal = inputOrdinal
        self.textField = textField
        self.idField = idField
        input = InputLines(source: source, options: options, overlong: .skip, atInputStart: atInputStart)
    }

    public var report: ReaderReport { input.report }

    public func forEachDocument(_ body: (Document) throws -> Void) throws {
        let input = self.input
        let textKey = Array(textField.utf8)
        let idKey = idField.map { Array($0.utf8) }
        let textName = textField, idName = idField ?? ""
        let dropOnSurrogates = input.options.invalidUTF8 == .dropLine
        var builder = DocumentBuilder(inputOrdinal: inputOrdinal, maxDocumentBytes: input.options.maxDocumentBytes,
                                      segmentsAreSentences: false)
        var decoded: [UInt8] = []
        try input.forEachLine { line, piece in
            let number = piece.lineNumber
            if trimASCIIWhitespace(line).isEmpty { return }
            let text: JSONFieldScanner.Span, id: JSONFieldScanner.Span?
            do throws(JSONFieldScanner.Failure) {
                let found = try JSONFieldScanner.scan(line, key: textKey, secondKey: idKey)
                guard let t = found.0 else {
                    input.report.malformedJSONLines += 1
                    input.problem(line: number, "no \"\(textName)\" field, line skipped")
                    return
                }
                guard t.kind == .string else {
                    input.report.malformedJSONLines += 1
                    input.problem(line: number, "\"\(textName)\" is \(t.kind.name), not a string; line skipped")
                    return
                }
                text = t
                id = found.1
            } catch {
                input.report.malformedJSONLines += 1
                input.problem(line: number, "malformed JSON at byte \(error.offset + 1): \(error.message); line skipped")
                return
            }

            // The text: a view of the line when it has no escapes, else decoded into `decoded`.
            var notes = JSONFieldScanner.DecodeNotes()
            if text.hasEscapes {
                decoded.removeAll(keepingCapacity: true)
                notes = JSONFieldScanner.decodeString(line, text, into: &decoded)
            }
            if notes.nulCharacters > 0 {
                input.report.nulBytes += UInt64(notes.nulCharacters)
                input.problem(line: number, "\(notes.nulCharacters) \\u0000 removed from \"\(textName)\"")
            }
            if notes.loneSurrogates > 0 {
                input.report.invalidUTF8Lines += 1
                if dropOnSurrogates {
                    input.problem(line: number, "lone surrogate escape in \"\(textName)\", line dropped")
                    return
                }
                input.problem(line: number, "\(notes.loneSurrogates) lone surrogate escape(s) in \"\(textName)\" replaced by U+FFFD")
            }

            builder.externalID = nil
            if idKey != nil {
                switch id?.kind {
                case .string?:
                    let s = id!
                    if s.hasEscapes {
                        var bytes: [UInt8] = []
                        _ = JSONFieldScanner.decodeString(line, s, into: &bytes)
                        builder.externalID = String(decoding: bytes, as: UTF8.self)
                    } else {
                        builder.externalID = String(decoding: UnsafeRawBufferPointer(rebasing: line[s.start..<s.end]), as: UTF8.self)
                    }
                case .number?:
                    let s = id!
                    builder.externalID = String(decoding: UnsafeRawBufferPointer(rebasing: line[s.start..<s.end]), as: UTF8.self)
                case nil:
                    input.problem(line: number, "no \"\(idName)\" field; document kept without an id")
                case let kind?:
                    input.problem(line: number, "\"\(idName)\" is \(kind.name), not a string or number; document kept without an id")
                }
            }

            func segments(_ text: UnsafeRawBufferPointer) throws {
                var start = 0
                let n = text.count
                while start <= n {
                    var stop = n
                    if start < n, let nl = memchr(text.baseAddress! + start, 0x0A, n - start) {
                        stop = text.baseAddress!.distance(to: UnsafeRawPointer(nl))
                    }
                    let segment = trimASCIIWhitespace(UnsafeRawBufferPointer(rebasing: text[start..<stop]))
                    if !segment.isEmpty { try input.add(segment, to: &builder, line: number, body) }
                    start = stop + 1
                }
            }
            if text.hasEscapes {
                try decoded.withUnsafeBytes { try segments($0) }
            } else {
                try segments(UnsafeRawBufferPointer(rebasing: line[text.start..<text.end]))
            }
            if builder.isEmpty {
                input.emptyDocument(line: number)
            } else {
                try input.emit(builder.finish(), body)
            }
        }
    }
}
