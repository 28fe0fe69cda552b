import Foundation
import Testing
import PretextCore
import PretextTestSupport
@testable import PretextText

/// Reading an input in byte ranges cut at `DocumentBoundaries` gives exactly the documents of
/// reading it whole: what lets tasks on different machines each read only their units.
@Suite struct DocumentBoundariesTests {
    /// A random input mixing every kind of line the readers treat specially: blank runs,
    /// white-space-only and NUL-only lines, CRLF, invalid UTF-8, a BOM at the start, lines
    /// over `maxLineBytes`, Korean text, and documents over `maxDocumentBytes`.
    static func corpus(seed: UInt64, jsonl: Bool) -> [UInt8] {
        var random = KeyedRandom(seed: seed, purpose: .testData, index: 1)
        var out: [UInt8] = seed % 2 == 0 ? [0xEF, 0xBB, 0xBF] : []
        let words = ["alpha", "beta", "gamma.", "delta", "한국어", "문장입니다.", "x"]
        for _ in 0..<400 {
            if jsonl {
                switch random.below(10) {
                case 0: out += Array("\n".utf8)
                case 1: out += Array("{\"text\": 3}\n".utf8)
                case 2: out += Array("{\"text\": \"broken\n".utf8)
                default:
                    let n = 1 + random.below(30)
                    let text = (0..<n).map { _ in words[random.below(words.count)] }.joined(separator: random.below(4) == 0 ? "\\n" : " ")
                    out += Array("{\"text\": \"\(text)\"}\(random.below(5) == 0 ? "\r" : "")\n".utf8)
                }
                continue
            }
            switch random.below(12) {
            case 0: out += Array("\n".utf8)
            case 1: out += Array("   \t\n".utf8)
            case 2: out += [0, 0, 0x0A]
            case 3: out += Array("\r\n".utf8)
            case 4: out += [0x61, 0xFF, 0xFE, 0x62, 0x0A]  // invalid UTF-8
            case 5: out += Array(String(repeating: "long ", count: 60).utf8) + [0x0A]  // over 256 bytes
            default:
                let n = 1 + random.below(12)
                out += Array((0..<n).map { _ in words[random.below(words.count)] }.joined(separator: " ").utf8)
                out += random.below(6) == 0 ? [0x0D, 0x0A] : [0x0A]
            }
        }
        if seed % 3 == 0 { out += Array("no trailing newline".utf8) }
        return out
    }

    static func options() -> ReaderOptions { ReaderOptions(maxLineBytes: 256, maxDocumentBytes: 1500, readChunkBytes: 97) }

    static func read(_ inputs: CorpusInputs, source: any ByteSource, atStart: Bool) throws -> ([Document], ReaderReport) {
        try ReaderTesting.readAll(inputs.makeReader(for: inputs.inputs[0], source: source, atInputStart: atStart))
    }

    @Test(arguments: [(CorpusFormat.bert, UInt64(1)), (.bert, 2), (.bert, 3), (.paragraphs, 4), (.paragraphs, 6), (.jsonl(textField: "text", idField: nil), 5), (.jsonl(textField: "text", idField: nil), 8)])
    func rangesCutAtBoundariesReadTheSameDocuments(_ format: CorpusFormat, _ seed: UInt64) throws {
        var jsonl = false
        if case .jsonl = format { jsonl = true }
        let bytes = Self.corpus(seed: seed, jsonl: jsonl)
        let path = try TemporaryFolder.shared.file(named: "boundaries-\(seed).txt", contents: bytes)
        let inputs = try CorpusInputs.open(paths: [path], format: format, options: Self.options())
        let size = UInt64(bytes.count)
        let (whole, wholeReport) = try Self.read(inputs, source: FileRangeByteSource(path: path, start: 0, end: size), atStart: true)
        #expect(whole.count > 20)
        var boundaries = try DocumentBoundaries(path: path, size: size, format: format, options: Self.options())
        var random = KeyedRandom(seed: seed, purpose: .testData, index: 2)
        for cuts in [7, 40, 150] {
            // `cuts` random range ends, as a unit plan would place them.
            var ends = (0..<cuts).map { _ in UInt64(random.below(bytes.count)) }
            ends = Array(Set(ends + [size])).sorted()
            var docs: [Document] = []
            var start: UInt64 = 0
            var documents: UInt64 = 0, segments: UInt64 = 0, nul: UInt64 = 0, invalid: UInt64 = 0, crlf: UInt64 = 0, boms: UInt64 = 0
            for end in ends {
                let s = try boundaries.next(atOrAfter: start)
                let e = end >= size ? size : try boundaries.next(atOrAfter: end)
                start = end
                guard s < e else { continue }
                let (part, report) = try Self.read(inputs, source: FileRangeByteSource(path: path, start: s, end: e), atStart: s == 0)
                docs += part
                documents += report.documents
                segments += report.segments
                nul += report.nulBytes
                invalid += report.invalidUTF8Lines
                crlf += report.crlfLines
                boms += report.bomsStripped
            }
            #expect(docs.map(\.segments) == whole.map(\.segments), "\(cuts) cuts")
            #expect(documents == wholeReport.documents && segments == wholeReport.segments)
            #expect(nul == wholeReport.nulBytes && invalid == wholeReport.invalidUTF8Lines && crlf == wholeReport.crlfLines && boms == wholeReport.bomsStripped)
        }
    }

    @Test func aBoundaryIsALineAfterABlankLine() throws {
        let text = "a b\nc\n\n \t\nd e\nf\n\n\ng\n"
        let path = try TemporaryFolder.shared.file(named: "boundary-small.txt", text: text)
        var b = try DocumentBoundaries(path: path, size: UInt64(text.utf8.count), rule: .blankLineSeparated(maxLineBytes: 100))
        #expect(try b.next(atOrAfter: 0) == 0)
        #expect(try b.next(atOrAfter: 1) == 10)   // "d e" after the blank and white-space lines
        #expect(try b.next(atOrAfter: 10) == 10)
        #expect(try b.next(atOrAfter: 11) == 18)  // "g"
        #expect(try b.next(atOrAfter: 19) == UInt64(text.utf8.count))
        var lines = try DocumentBoundaries(path: path, size: UInt64(text.utf8.count), rule: .lineStart)
        #expect(try lines.next(atOrAfter: 1) == 4)
        #expect(try lines.next(atOrAfter: 4) == 4)
        #expect(try lines.next(atOrAfter: 5) == 6)
    }

    /// The window the scan reads through changes no answer: windows of 1, 3 and 17 bytes
    /// give every offset's boundary that a 64 KiB window gives, asked in file order and in a
    /// random order (scans forward and back across window edges, and from inside a window).
    @Test func theReadWindowChangesNoBoundary() throws {
        var random = KeyedRandom(seed: 11, purpose: .testData, index: 0)
        var text: [UInt8] = []
        let pieces: [[UInt8]] = [Array("word and more words".utf8), [], Array(" \t".utf8), Array("\0".utf8), Array("x".utf8), Array("\r".utf8)]
        for _ in 0..<400 { text += pieces[random.below(pieces.count)] + [0x0A] }
        let path = try TemporaryFolder.shared.file(named: "windows.txt", contents: text)
        let size = UInt64(text.count)
        for rule in [DocumentBoundaries.Rule.blankLineSeparated(maxLineBytes: 3), .blankLineSeparated(maxLineBytes: 100), .lineStart] {
            var reference = try DocumentBoundaries(path: path, size: size, rule: rule)
            let expected = try (0...size).map { try reference.next(atOrAfter: $0) }
            var order = Array(0...size)
            for k in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(k, random.below(k + 1)) }
            for window in [1, 3, 17] {
                var small = try DocumentBoundaries(path: path, size: size, rule: rule, windowBytes: window)
                for offset in 0...size { #expect(try small.next(atOrAfter: offset) == expected[Int(offset)], "window \(window), offset \(offset)") }
                for offset in order { #expect(try small.next(atOrAfter: offset) == expected[Int(offset)], "window \(window), offset \(offset)") }
            }
        }
    }
}
