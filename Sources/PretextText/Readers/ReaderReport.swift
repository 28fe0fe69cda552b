/// What a reader saw in its input: counters, plus the first problems as messages.
///
/// A value type; sum the reports of several inputs with `+=`. All counters are counts of
/// events except `bytes` (input bytes after decompression). Every kind of bad input a
/// reader repairs or drops increments a counter here, and the first `maxProblems` problems
/// (over all inputs, in order) are kept as `path:line: what` messages; later ones are only
/// counted in `problemsOmitted`, so the list stays bounded whatever the input.
public struct ReaderReport: Sendable, Equatable {
    /// Most problem messages kept.
    public static let maxProblems = 100

    /// Documents emitted.
    public var documents: UInt64 = 0
    /// Segments (sentences or paragraphs) in the emitted documents.
    public var segments: UInt64 = 0
    /// Bytes read from the inputs, after decompression.
    public var bytes: UInt64 = 0
    /// Documents with no text, not emitted: extra blank lines between documents, JSONL
    /// records whose text is empty or only white space.
    public var emptyDocuments: UInt64 = 0
    /// Lines (pieces, for a split over-long line) with invalid UTF-8 — replaced by U+FFFD or
    /// dropped per `ReaderOptions.invalidUTF8`; for JSONL also lone `\u` surrogates.
    public var invalidUTF8Lines: UInt64 = 0
    /// NUL bytes removed (raw, or `\u0000` in JSON strings).
    public var nulBytes: UInt64 = 0
    /// Lines that ended in `\r\n` (the `\r` is removed).
    public var crlfLines: UInt64 = 0
    /// UTF-8 byte order marks removed from the start of an input.
    public var bomsStripped: UInt64 = 0
    /// Lines longer than `maxLineBytes`: split into pieces or skipped.
    public var overlongLines: UInt64 = 0
    /// Documents cut because they reached `maxDocumentBytes` (each cut counts once).
    public var splitDocuments: UInt64 = 0
    /// JSONL lines skipped: malformed JSON, no text field, or a text field that is not a string.
    public var malformedJSONLines: UInt64 = 0
    /// Compressed inputs that stopped decoding part-way (a truncated .gz, a corrupt .zst):
    /// the documents decoded before the damage are kept, the rest of the input is skipped.
    public var undecodableInputs: UInt64 = 0
    /// The first `maxProblems` problems, each `path:line: what`.
    public private(set) var problems: [String] = []
    /// Problems beyond `maxProblems`, counted but without a message.
    public private(set) var problemsOmitted: UInt64 = 0

    public init() {}

    /// Records a problem at `path:line`; the message is only built while the list has room.
    public mutating func addProblem(path: String, line: UInt64, _ what: @autoclosure () -> String) {
        if problems.count < Self.maxProblems {
            problems.append("\(path):\(line): \(what())")
        } else {
            problemsOmitted += 1
        }
    }

    /// Records a problem of `path` as a whole (no line: an empty input, a folder entry).
    public mutating func addProblem(path: String, _ what: @autoclosure () -> String) {
        if problems.count < Self.maxProblems {
            problems.append("\(path): \(what())")
        } else {
            problemsOmitted += 1
        }
    }

    /// Adds `other`'s counters to `report` and appends its problems while there is room.
    public static func += (report: inout ReaderReport, other: ReaderReport) {
        report.documents += other.documents
        report.segments += other.segments
        report.bytes += other.bytes
        report.emptyDocuments += other.emptyDocuments
        report.invalidUTF8Lines += other.invalidUTF8Lines
        report.nulBytes += other.nulBytes
        report.crlfLines += other.crlfLines
        report.bomsStripped += other.bomsStripped
        report.overlongLines += other.overlongLines
        report.splitDocuments += other.splitDocuments
        report.malformedJSONLines += other.malformedJSONLines
        report.undecodableInputs += other.undecodableInputs
        let room = Self.maxProblems - report.problems.count
        report.problems.append(contentsOf: other.problems.prefix(room))
        report.problemsOmitted += UInt64(max(0, other.problems.count - room)) + other.problemsOmitted
    }
}
