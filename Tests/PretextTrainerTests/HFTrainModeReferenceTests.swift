import Foundation
import Testing
@testable import PretextTrainer

/// Continuing a Pretext checkpoint in Hugging Face, in train mode, trains the same model: the
/// config.json Pretext exports sets every dropout rate HF reads for the architecture to what
/// Pretext trained with (a rate it leaves out is HF's default, e.g. ALBERT's SOP-head
/// `classifier_dropout_prob` = 0.1), and ten AdamW steps of HF in train mode
/// (`golden-train.safetensors`, `torch_reference.py --golden-train`, dropout disabled by the
/// config's values, not by `eval()`) equal Pretext's ten steps on its training path.
@Suite struct HFTrainModeReferenceTests {
    /// HF's dropout fields per model_type, with the value HF uses when config.json omits one.
    static let hfDropoutDefaults: [String: [String: Double]] = [
        "bert": ["hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1],
        "albert": ["hidden_dropout_prob": 0, "attention_probs_dropout_prob": 0, "classifier_dropout_prob": 0.1],
        "gpt2": ["embd_pdrop": 0.1, "attn_pdrop": 0.1, "resid_pdrop": 0.1],
    ]

    static let fixtures = [ReferenceFixture("bert-tiny", pairLabels: "next_sentence_label"), ReferenceFixture("albert-tiny", pairLabels: "sentence_order_label"),
                           ReferenceFixture("gpt-tiny")]

    /// What HF reads from a config.json's bytes: each dropout field, or its default.
    static func rates(_ json: Data, type: String) throws -> [String: Double] {
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        var out: [String: Double] = [:]
        for (field, fallback) in hfDropoutDefaults[type]! { out[field] = (object[field] as? NSNumber)?.doubleValue ?? fallback }
        return out
    }

    @Test(arguments: [0, 1, 2])
    func exportedConfigGivesHFTheGoldensDropoutRates(_ k: Int) throws {
        let fixture = Self.fixtures[k]
        let config = try fixture.config()
        let golden = try Self.rates(try Data(contentsOf: URL(fileURLWithPath: fixture.folder + "/config.json")), type: config.modelType)
        let exported = try Self.rates(Data(config.json.utf8), type: config.modelType)
        #expect(exported == golden, "\(config.modelType): Pretext's config.json gives HF \(exported), the golden was made with \(golden)")
    }

    @Test(arguments: [0, 1, 2])
    func tenAdamWStepsMatchHFInTrainMode(_ k: Int) throws {
        let fixture = Self.fixtures[k]
        let golden = try fixture.goldenTrain()
        if fixture.pairLabels == nil {
            try expectAdamWMatchesGolden(fixture.load(GPTModel<Float>(config: fixture.config(), maxBatch: 2, maxLength: 9)), fixture.inputs(),
                                         golden, finals: golden.keys.filter { $0.hasPrefix("final.") }.count, trainMode: true)
        } else {
            try expectAdamWMatchesGolden(fixture.bertModel(), fixture.inputs(), golden,
                                         finals: golden.keys.filter { $0.hasPrefix("final.") }.count, trainMode: true)
        }
    }
}
