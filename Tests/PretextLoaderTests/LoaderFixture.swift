import Foundation
import PretextPipeline
import PretextTestSupport

/// Shard folders built once per test process from the bundled English sample: NSP with
/// dynamic masking (pairs, masks drawn by the loader), NSP with static masks, causal blocks,
/// and ELECTRA examples (segments without pair labels, dynamic masking).
enum LoaderFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let corpus: String = {
        let en = try! String(contentsOfFile: root + "/corpora/en-sample.txt", encoding: .utf8)
        let docs = en.components(separatedBy: "\n\n").prefix(80).joined(separator: "\n\n")
        return try! TemporaryFolder.shared.file(named: "loader-corpus.txt", text: docs)
    }()

    static func build(_ name: String, task: PipelineConfig.Task, masking: PipelineConfig.MaskingMode, tokenizer: String) -> String {
        let out = try! TemporaryFolder.shared.folder(named: "loader-" + name)
        var c = PipelineConfig()
        c.inputPaths = [corpus]
        c.tokenizerPath = root + "/Tests/PretextTextTests/Fixtures/" + tokenizer
        c.task = task
        c.maskingMode = masking
        c.maskingStrategy = "whole-word"
        c.unitBytes = 16 << 10
        c.shardBytes = 1 << 16
        c.outputPath = out
        c.seed = 11
        _ = try! BuildRunner(config: c, threads: 2).run()
        return out
    }

    static let dynamicPairs = build("dynamic-nsp", task: .nsp, masking: .dynamic, tokenizer: "wordpiece-2k.tokenizer.json")
    static let staticPairs = build("static-nsp", task: .nsp, masking: .static, tokenizer: "wordpiece-2k.tokenizer.json")
    static let causal = build("causal", task: .causal, masking: .dynamic, tokenizer: "bpe-2k.tokenizer.json")
    static let electra = build("electra", task: .electra, masking: .dynamic, tokenizer: "wordpiece-2k.tokenizer.json")
}
