import Foundation
import Testing
@testable import PretextTrainer

/// A checkpoint's config.json holds every dropout field Hugging Face reads for the architecture,
/// with the values Pretext trained with, so continuing in HF (in train mode) trains the same
/// model: ALBERT's SOP-head `classifier_dropout_prob` (HF's default 0.1 would add a dropout
/// Pretext never applied), GPT-2's three rates, BERT's classifier field said explicitly.
@Suite struct ModelConfigExportTests {
    static func exported(_ type: String, dropout: Double) throws -> [String: Any] {
        var c = ModelConfig(vocabSize: 40, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 32)
        c.modelType = type
        c.hiddenDropoutProb = dropout
        c.attentionProbsDropoutProb = dropout / 2
        return try #require(try JSONSerialization.jsonObject(with: Data(c.json.utf8)) as? [String: Any])
    }

    @Test func albertWritesTheSOPHeadsDropoutAsZero() throws {
        let j = try Self.exported("albert", dropout: 0.1)
        #expect(j["classifier_dropout_prob"] as? Double == 0)
        #expect(j["hidden_dropout_prob"] as? Double == 0.1 && j["attention_probs_dropout_prob"] as? Double == 0.05)
    }

    @Test func gpt2WritesEveryDropoutRate() throws {
        let j = try Self.exported("gpt2", dropout: 0.2)
        #expect(j["embd_pdrop"] as? Double == 0.2 && j["resid_pdrop"] as? Double == 0.2 && j["attn_pdrop"] as? Double == 0.1)
        #expect(j["summary_first_dropout"] as? Double == 0.2)
    }

    @Test func bertSaysItsClassifierDropoutExplicitly() throws {
        let j = try Self.exported("bert", dropout: 0.1)
        #expect(j.keys.contains("classifier_dropout") && j["classifier_dropout"] is NSNull)
        #expect(j["hidden_dropout_prob"] as? Double == 0.1)
    }

    @Test func anALBERTConfigWithASOPDropoutIsRefused() throws {
        let path = NSTemporaryDirectory() + "/albert-sop-dropout-\(getpid()).json"
        try #"{"model_type": "albert", "vocab_size": 40, "hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32, "classifier_dropout_prob": 0.1}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ModelConfig.ConfigError.self) { try ModelConfig.load(path) }
        // What a checkpoint writes reads back.
        let again = try ModelConfig.load(path, overrides: ["classifier_dropout_prob=0"])
        #expect(again.modelType == "albert")
    }
}
