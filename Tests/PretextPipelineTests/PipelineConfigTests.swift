import Testing
import PretextCore
@testable import PretextPipeline

@Suite struct PipelineConfigTests {
    static let root = BuildDeterminismTests.root

    @Test(arguments: ["bert-nsp", "albert-sop", "roberta-full-sentences", "gpt-causal", "korean-bert", "electra"])
    func shippedPipelinesParse(_ name: String) throws {
        let text = try String(decoding: PosixFile(path: "\(Self.root)/pipelines/\(name).toml", mode: .readOnly).readAll(), as: UTF8.self)
        let c = try PipelineConfig(text: text)
        #expect(!c.inputPaths.isEmpty && !c.tokenizerPath.isEmpty && !c.outputPath.isEmpty)
        #expect(PosixFile.exists("\(Self.root)/\(c.tokenizerPath)"), "\(name) names a vocabulary that is not in the repository")
    }

    @Test func overridesAndValidation() throws {
        let c = try PipelineConfig(text: "[task]\nkind = \"sop\"\n", overrides: [("task.max_seq_length", .integer(256)), ("masking.strategy", .string("span"))])
        #expect(c.task == .sop && c.maxSequenceLength == 256 && c.maskingOptions.strategy == .span(p: 0.2, maxLength: 10))
        #expect(throws: PipelineConfig.ConfigError.self) { try PipelineConfig(text: "[task]\nmax_seq_len = 3\n") }
        #expect(throws: PipelineConfig.ConfigError.self) { try PipelineConfig(text: "[task]\nkind = \"mlm\"\n") }
        #expect(throws: PipelineConfig.ConfigError.self) { try PipelineConfig(text: "[masking]\nmode = \"dynamic\"\ndupe_factor = 5\n") }
        #expect(throws: PipelineConfig.ConfigError.self) { try PipelineConfig(text: "[masking]\nmask_share = 0.9\nrandom_share = 0.2\n") }
    }

    @Test func canonicalTextIdentifiesTheBuild() throws {
        let a = try PipelineConfig(text: "[output]\nseed = 1\n[task]\nkind = \"nsp\"\n")
        let b = try PipelineConfig(text: "[task]\nkind = \"nsp\"\n[output]\nseed = 1\n")
        let c = try PipelineConfig(text: "[output]\nseed = 2\n")
        #expect(a.canonicalText == b.canonicalText)
        #expect(a.canonicalText != c.canonicalText)
    }
}
