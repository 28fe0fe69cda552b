import Foundation
import PretextCore
import PretextTestSupport
@testable import PretextText

/// Helpers shared by the reader tests.
enum ReaderTesting {
    /// Every document of `reader`, and its final report.
    static func readAll(_ reader: any DocumentReader) throws -> (docs: [Document], report: ReaderReport) {
        var docs: [Document] = []
        try reader.forEachDocument { docs.append($0) }
        return (docs, reader.report)
    }

    /// A document's segments as strings (for readable expectations).
    static func texts(_ doc: Document) -> [String] { doc.segments.map { String(decoding: $0, as: UTF8.self) } }

    /// A ByteSource over bytes in memory that hands out at most `step` bytes per read (to
    /// exercise short reads).
    final class MemorySource: ByteSource {
        let path: String
        private let bytes: [UInt8]
        private let step: Int
        private var position = 0
        init(_ bytes: [UInt8], path: String = "memory", step: Int = 7) {
            self.bytes = bytes
            self.path = path
            self.step = step
        }
        func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let n = min(step, buffer.count, bytes.count - position)
            for k in 0..<n { buffer[k] = bytes[position + k] }
            position += n
            return n
        }
    }

    enum Tool: String { case gzip, zstd }

    /// Compresses `bytes` with the command-line tool and returns the compressed file's bytes.
    static func compress(_ bytes: [UInt8], with tool: Tool) throws -> [UInt8] {
        let plain = try TemporaryFolder.shared.file(named: "plain.bin", contents: bytes)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let out = plain + (tool == .gzip ? ".gz" : ".zst")
        switch tool {
        case .gzip: process.arguments = ["gzip", "-k", "-f", "-n", plain]
        case .zstd: process.arguments = ["zstd", "-q", "-f", plain, "-o", out]
        }
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CorpusInputError(path: plain, reason: "\(tool) exited with \(process.terminationStatus)")
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    /// Deterministic BERT-format text: `documents` documents of 1–6 sentences, mixing
    /// ASCII, Latin-1 supplement and Hangul.
    static func corpus(documents: Int, seed: UInt64 = 1) -> String {
        var rng = KeyedRandom(seed: seed, purpose: .testData, index: 0)
        let words = ["the", "corpus", "reader", "streams", "bytes", "é", "naïve", "한국어", "문장", "😀", "line"]
        var out = ""
        for d in 0..<documents {
            if d > 0 { out += "\n" }
            for _ in 0..<(1 + rng.below(6)) {
                out += (0..<(1 + rng.below(12))).map { _ in words[rng.below(words.count)] }.joined(separator: " ")
                out += ".\n"
            }
        }
        return out
    }
}
