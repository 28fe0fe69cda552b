/// Tensor names of ELECTRA in one parameter arena: every tensor is `<role>.<HF name>`, role
/// `discriminator` (Hugging Face's `ElectraForPreTraining` names) or `generator`
/// (`ElectraForMaskedLM`'s). The embeddings both networks share (word, position, token type,
/// their LayerNorm — google-research/electra's tied `electra/embeddings`) are stored once,
/// under the discriminator's names; the generator's checkpoint gets copies, and its tied
/// `generator_lm_head.weight` is the word embeddings.
struct ElectraNames {
    static let discriminator = "discriminator.", generator = "generator."

    let embeddings: EmbeddingTensorNames
    /// The two embedding stacks: the shared tables, each network's own projection (E → its width).
    let discriminatorEmbeddings: EmbeddingTensorNames
    let generatorEmbeddings: EmbeddingTensorNames
    let discriminatorLayers: [BertNames.Layer], generatorLayers: [BertNames.Layer]
    let generatorHead: MaskedLMTensorNames
    let headDense = discriminator + "discriminator_predictions.dense.weight", headDenseBias = discriminator + "discriminator_predictions.dense.bias"
    let headPrediction = discriminator + "discriminator_predictions.dense_prediction.weight"
    let headPredictionBias = discriminator + "discriminator_predictions.dense_prediction.bias"

    init(config: ModelConfig) {
        let d = Self.discriminator, g = Self.generator, e = d + "electra.embeddings."
        let shared = EmbeddingTensorNames(word: e + "word_embeddings.weight", position: e + "position_embeddings.weight",
                                          tokenType: e + "token_type_embeddings.weight", normWeight: e + "LayerNorm.weight", normBias: e + "LayerNorm.bias")
        let E = config.embeddingWidth, generatorConfig = config.generatorConfig
        func projected(_ role: String, width: Int) -> EmbeddingTensorNames {
            var n = shared
            if width != E { n.projectionWeight = role + "electra.embeddings_project.weight"; n.projectionBias = role + "electra.embeddings_project.bias" }
            return n
        }
        embeddings = shared
        discriminatorEmbeddings = projected(d, width: config.hiddenSize)
        generatorEmbeddings = projected(g, width: generatorConfig.hiddenSize)
        discriminatorLayers = (0..<config.numHiddenLayers).map { BertNames.bertLayer(d + "electra.encoder.layer.\($0).") }
        generatorLayers = (0..<generatorConfig.numHiddenLayers).map { BertNames.bertLayer(g + "electra.encoder.layer.\($0).") }
        generatorHead = .init(transformWeight: g + "generator_predictions.dense.weight", transformBias: g + "generator_predictions.dense.bias",
                              normWeight: g + "generator_predictions.LayerNorm.weight", normBias: g + "generator_predictions.LayerNorm.bias",
                              decoderWeight: shared.word, decoderBias: g + "generator_lm_head.bias")
    }

    /// The HF state dict of `role` (`discriminator.` or `generator.`) from the arena's tensors:
    /// the role's own tensors without the prefix, the shared embeddings, and for the generator
    /// its tied `generator_lm_head.weight`.
    func export(_ tensors: [String: SafeTensors.Tensor], role: String) -> [String: SafeTensors.Tensor] {
        var out: [String: SafeTensors.Tensor] = [:]
        for (name, t) in tensors where name.hasPrefix(role) { out[String(name.dropFirst(role.count))] = t }
        let shared = Self.discriminator.count
        for name in [embeddings.word, embeddings.position, embeddings.tokenType, embeddings.normWeight, embeddings.normBias] {
            out[String(name.dropFirst(shared))] = tensors[name]
        }
        if role == Self.generator { out["generator_lm_head.weight"] = tensors[embeddings.word] }
        return out
    }

    /// The arena's tensors from the two HF state dicts (the inverse of `export`; the shared
    /// embeddings are read from the discriminator's).
    static func combine(discriminator: [String: SafeTensors.Tensor], generator: [String: SafeTensors.Tensor]) -> [String: SafeTensors.Tensor] {
        var out: [String: SafeTensors.Tensor] = [:]
        for (name, t) in discriminator { out[Self.discriminator + name] = t }
        for (name, t) in generator where !name.hasPrefix("electra.embeddings.") && name != "generator_lm_head.weight" { out[Self.generator + name] = t }
        return out
    }
}
