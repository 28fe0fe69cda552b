import Foundation
import Testing
@testable import PretextText

/// Ids must equal HF tokenizers' on golden files that benchmarks/tools/make_tokenizer_goldens.sh
/// produced with HF (bert-base-uncased vocab.txt, a 2k WordPiece and a 2k byte-level BPE
/// trained by HF on corpora/), over sampled corpus lines and hand-written tricky lines.
@Suite struct TokenizerParityTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    func goldens(_ name: String) throws -> [(text: String, ids: [UInt32])] {
        let text = try String(contentsOfFile: "\(Self.fixtures)/golden-\(name).jsonl", encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            return (object["text"] as! String, (object["ids"] as! [Int]).map(UInt32.init))
        }
    }

    func check(_ file: TokenizerFile, _ golden: String) throws {
        let cases = try goldens(golden)
        #expect(cases.count > 50)
        var mismatches = 0
        for (text, expected) in cases {
            let ids = file.tokenizer.encode(text)
            if ids != expected {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(golden): \(text.debugDescription)\n  HF      \(expected)\n  Pretext \(ids)") }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(cases.count) lines differ from HF")
    }

    @Test func bertBaseUncasedVocabTxt() throws {
        try check(try TokenizerFile.load("\(Self.fixtures)/bert-base-uncased-vocab.txt"), "bert-base-uncased")
    }

    @Test func wordPieceTokenizerJSONTrainedByHF() throws {
        try check(try TokenizerFile.load("\(Self.fixtures)/wordpiece-2k.tokenizer.json"), "wordpiece-2k")
    }

    @Test func byteLevelBPETokenizerJSONTrainedByHF() throws {
        try check(try TokenizerFile.load("\(Self.fixtures)/bpe-2k.tokenizer.json"), "bpe-2k")
    }
}
