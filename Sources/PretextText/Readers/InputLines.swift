import PretextCore

/// The clean lines of one input, shared by every reader: `LineReader` over a `ByteSource`,
/// then the byte order mark stripped from the start of the input, NUL bytes removed and
/// invalid UTF-8 repaired or dropped (`UTF8Sanitizer`). Every repair, skip and drop is
/// counted in `report` and, while there is room, described as `path:line: what`.
///
/// Lines handed on are views valid during the callback only; a clean line is a view into
/// the line buffer (no copy), a repaired one a view of the sanitizer's buffer.
final class InputLines {
    let path: String
    let options: ReaderOptions
    /// The reader's whole report: this type fills in the line-level counters; readers add
    /// document-level counters and problems to the same value.
    var report = ReaderReport()
    private let lines: LineReader
    private var sanitizer: UTF8Sanitizer
    /// The source starts at the input's first byte (where a byte order mark may stand).
    private let atInputStart: Bool

    init(source: any ByteSource, options: ReaderOptions, overlong: LineReader.OverlongPolicy, atInputStart: Bool = true) {
        path = source.path
        self.options = options
        self.atInputStart = atInputStart
        lines = LineReader(source: source, maxLineLength: options.maxLineBytes, overlong: overlong,
                           chunkLength: options.readChunkBytes)
        sanitizer = UTF8Sanitizer(policy: options.invalidUTF8)
    }

    /// Records a problem on `line` of this input.
    func problem(line: UInt64, _ what: @autoclosure () -> String) {
        report.addProblem(path: path, line: line, what())
    }

    /// Calls `body(line, piece)` for every clean line (or piece of a split over-long line).
    /// Skipped over-long lines and dropped lines are reported here and not handed on.
    ///
    /// A compressed input that stops decoding part-way (`CompressedInputError` from the
    /// source: a truncated .gz, a corrupt .zst) ends here like a short input: the lines
    /// before the damage have been handed on, the unfinished line and the rest are skipped,
    /// and the damage is counted in `report.undecodableInputs` with a problem naming the line.
    /// An input of which nothing could be decoded (not gzip or zstd at all, or damaged from its
    /// first frame) is not read as empty: the error is thrown, naming the file.
    func forEachLine(_ body: (UnsafeRawBufferPointer, LineReader.Piece) throws -> Void) throws {
        defer {
            report.bytes = lines.counts.bytes
            report.crlfLines = lines.counts.crlfLines
            report.overlongLines = lines.counts.overlongLines
        }
        let maxLine = options.maxLineBytes
        var lastLine: UInt64 = 0
        do {
            try forEachPiece(maxLine: maxLine, lastLine: &lastLine, body)
        } catch let damage as CompressedInputError where lines.counts.bytes > 0 {
            report.undecodableInputs += 1
            problem(line: lastLine + 1, "\(damage.compression.rawValue) input cannot be decoded from here (compressed byte offset \(damage.compressedOffset): \(damage.reason)); the rest of the input is skipped")
        }
    }

    private func forEachPiece(maxLine: Int, lastLine: inout UInt64, _ body: (UnsafeRawBufferPointer, LineReader.Piece) throws -> Void) throws {
        var sawCRLF = false
        try lines.forEachPiece { raw, piece in
            lastLine = piece.lineNumber
            if piece.isSkipped {
                problem(line: piece.lineNumber, "line longer than \(maxLine) bytes skipped")
                return
            }
            if piece.isOverlong && !piece.isContinuation && lines.overlong == .split {
                problem(line: piece.lineNumber, "line longer than \(maxLine) bytes split into pieces")
            }
            var line = raw
            if atInputStart && piece.lineNumber == 1 && !piece.isContinuation && line.count >= 3
                && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF {
                line = UnsafeRawBufferPointer(rebasing: line[3...])
                report.bomsStripped += 1
                problem(line: 1, "UTF-8 byte order mark removed")
            }
            if !sawCRLF && lines.counts.crlfLines > 0 {
                sawCRLF = true
                problem(line: piece.lineNumber, "line ends in CR LF: the CR is removed here and on every later such line (counted in input_crlf_lines)")
            }
            switch sanitizer.sanitize(line) {
            case .unchanged:
                try body(line, piece)
            case .dropped:
                report.invalidUTF8Lines += 1
                problem(line: piece.lineNumber, "invalid UTF-8, line dropped")
            case .rewritten:
                let nul = sanitizer.nulBytes, invalid = sanitizer.invalidSequences
                if nul > 0 {
                    report.nulBytes += UInt64(nul)
                    problem(line: piece.lineNumber, "\(nul) NUL byte\(nul == 1 ? "" : "s") removed")
                }
                if invalid > 0 {
                    report.invalidUTF8Lines += 1
                    problem(line: piece.lineNumber, "invalid UTF-8, \(invalid) sequence\(invalid == 1 ? "" : "s") replaced by U+FFFD")
                }
                try sanitizer.output.withUnsafeBytes { try body($0, piece) }
            }
        }
    }
}

/// `line` without leading and trailing ASCII white space (space, tab, CR, VT, FF).
@inline(__always)
func trimASCIIWhitespace(_ line: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    var lo = 0, hi = line.count
    @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C }
    while lo < hi && isSpace(line[lo]) { lo += 1 }
    while hi > lo && isSpace(line[hi - 1]) { hi -= 1 }
    return UnsafeRawBufferPointer(rebasing: line[lo..<hi])
}
