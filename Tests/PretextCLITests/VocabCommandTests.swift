import Foundation
import Testing
import PretextTestSupport

/// `pretext vocab train` end to end on the bundled sample corpus.
@Suite struct VocabCommandTests {
    @Test(arguments: ["wordpiece", "bpe"])
    func trainsAndWritesTheFiles(_ model: String) throws {
        let out = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try CLI.run(["vocab", "train", "--model", model, "--size", "400", "corpora/ko-sample.txt", "--output", out])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("documents"))
        #expect(run.output.contains("distinct"))
        #expect(run.output.contains("vocabulary: 400 tokens"))
        let files = model == "wordpiece" ? ["tokenizer.json", "vocab.txt"] : ["merges.txt", "tokenizer.json", "vocab.json"]
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == files)
        let tokenize = try CLI.run(["tokenize", "--tokenizer", out + "/tokenizer.json", "--text", "안녕하세요 hello"])
        #expect(tokenize.status == 0, "\(tokenize.output)")
    }

    @Test func refusesBadOptions() throws {
        let cased = try CLI.run(["vocab", "train", "--model", "bpe", "--size", "400", "--cased", "corpora/ko-sample.txt"])
        #expect(cased.status != 0 && cased.output.contains("--cased"))
        let noUnknown = try CLI.run(["vocab", "train", "--model", "wordpiece", "--size", "400", "--special-tokens", "[CLS],[SEP]", "corpora/ko-sample.txt"])
        #expect(noUnknown.status != 0 && noUnknown.output.contains("[UNK]"))
        let missing = try CLI.run(["vocab", "train", "--model", "bpe", "--size", "400", "/nonexistent/corpus.txt", "--output", CLI.temporaryFolder()])
        #expect(missing.status != 0 && missing.output.contains("/nonexistent/corpus.txt"))
    }

    @Test func helpHasAnExample() throws {
        for command in [["vocab", "--help"], ["vocab", "train", "--help"]] {
            let help = try CLI.run(command)
            #expect(help.status == 0)
            #expect(help.output.contains("pretext vocab train"))
        }
    }
}
