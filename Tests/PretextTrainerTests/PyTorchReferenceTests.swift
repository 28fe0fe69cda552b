import Testing
@testable import PretextTrainer

/// The Swift BERT against PyTorch (HF `BertForPreTraining`): the same tiny model from the same
/// safetensors file and batch, compared on the loss, the logits, every gradient and the losses
/// of 10 AdamW steps (rtol 1e-4, atol 1e-5; golden files from benchmarks/tools/torch_reference.py
/// --model bert, see Fixtures/README.md).
@Suite struct PyTorchReferenceTests {
    static let fixture = ReferenceFixture("bert-tiny", pairLabels: "next_sentence_label")

    /// torch_reference.py's AdamW groups: no weight decay for biases and LayerNorm tensors.
    @Test func weightDecayGroupsMatchPyTorch() throws {
        expectDecayGroups(try Self.fixture.bertModel().table) { $0.hasSuffix(".bias") || $0.contains("LayerNorm") }
    }

    @Test func forwardAndBackwardMatchPyTorch() throws {
        try expectBertFamilyMatchesGolden(Self.fixture.bertModel(), Self.fixture.inputs(), Self.fixture.golden(), pair: "nsp")
    }

    @Test func tenAdamWStepsMatchPyTorch() throws {
        try expectAdamWMatchesGolden(Self.fixture.bertModel(), Self.fixture.inputs(), Self.fixture.golden(), finals: 4)
    }
}
