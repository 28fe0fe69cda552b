import Foundation

/// A model's shape, read from a JSON file with Hugging Face `config.json` field names (so a
/// Pretext checkpoint folder is also a HF one). `model_type` "bert" (`BertModel`) uses BERT's
/// names; "gpt2" (`GPTModel`) GPT-2's (`n_embd`, `n_layer`, `n_head`, `n_inner`,
/// `n_positions`, `activation_function`, `layer_norm_epsilon`, `resid_pdrop`, `attn_pdrop`),
/// mapped onto the same fields. "albert" (`BertModel` with factorized embeddings and shared
/// layers) adds `embedding_size` and Pretext's `pretext_sharing` (all, attention, ffn, none).
public struct ModelConfig: Codable, Sendable, Equatable {
    public var modelType: String = "bert"
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int = 512
    public var typeVocabSize: Int = 2
    public var hiddenAct: String = "gelu"
    public var layerNormEps: Double = 1e-12
    public var hiddenDropoutProb: Double = 0.1
    public var attentionProbsDropoutProb: Double = 0.1
    public var initializerRange: Double = 0.02
    public var padTokenId: Int = 0
    public var architectures: [String]? = ["BertForPreTraining"]
    /// ALBERT: width of the factorized embeddings (projected to `hiddenSize`); nil = hidden size.
    public var embeddingSize: Int?
    /// ALBERT: which halves of a layer all layers share (`pretext_sharing`; HF's ALBERT is `all`).
    public var sharing: Sharing = .all

    public enum Sharing: String, Codable, Sendable { case all, attention, ffn, none }

    /// GPT-2: the ids `transformers` uses to start and end generation (`bos_token_id`,
    /// `eos_token_id`); the trainer sets both to the shards' end-of-document id when absent.
    public var bosTokenId: Int?
    public var eosTokenId: Int?

    /// Width of the token embeddings.
    public var embeddingWidth: Int { modelType == "albert" ? (embeddingSize ?? hiddenSize) : hiddenSize }

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size", hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps", hiddenDropoutProb = "hidden_dropout_prob"
        case attentionProbsDropoutProb = "attention_probs_dropout_prob", initializerRange = "initializer_range"
        case padTokenId = "pad_token_id", architectures
        case embeddingSize = "embedding_size", sharing = "pretext_sharing", numHiddenGroups = "num_hidden_groups", innerGroupNum = "inner_group_num"
    }

    public init(vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
    }

    enum GPT2Keys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", nEmbd = "n_embd", nLayer = "n_layer", nHead = "n_head", nInner = "n_inner"
        case nPositions = "n_positions", activationFunction = "activation_function", layerNormEpsilon = "layer_norm_epsilon"
        case residPdrop = "resid_pdrop", embdPdrop = "embd_pdrop", attnPdrop = "attn_pdrop", initializerRange = "initializer_range"
        case architectures, tieWordEmbeddings = "tie_word_embeddings"
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        if modelType == "gpt2" {
            let g = try decoder.container(keyedBy: GPT2Keys.self)
            vocabSize = try g.decode(Int.self, forKey: .vocabSize)
            hiddenSize = try g.decode(Int.self, forKey: .nEmbd)
            numHiddenLayers = try g.decode(Int.self, forKey: .nLayer)
            numAttentionHeads = try g.decode(Int.self, forKey: .nHead)
            intermediateSize = try g.decodeIfPresent(Int.self, forKey: .nInner) ?? 4 * hiddenSize
            maxPositionEmbeddings = try g.decodeIfPresent(Int.self, forKey: .nPositions) ?? 1024
            typeVocabSize = 1
            hiddenAct = try g.decodeIfPresent(String.self, forKey: .activationFunction) ?? "gelu_new"
            layerNormEps = try g.decodeIfPresent(Double.self, forKey: .layerNormEpsilon) ?? 1e-5
            hiddenDropoutProb = try g.decodeIfPresent(Double.self, forKey: .residPdrop) ?? 0.1
            attentionProbsDropoutProb = try g.decodeIfPresent(Double.self, forKey: .attnPdrop) ?? 0.1
            initializerRange = try g.decodeIfPresent(Double.self, forKey: .initializerRange) ?? 0.02
            padTokenId = 0
            architectures = try g.decodeIfPresent([String].self, forKey: .architectures)
            bosTokenId = try g.decodeIfPresent(Int.self, forKey: .bosTokenId)
            eosTokenId = try g.decodeIfPresent(Int.self, forKey: .eosTokenId)
            return
        }
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 512
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu"
        layerNormEps = try c.decodeIfPresent(Double.self, forKey: .layerNormEps) ?? 1e-12
        hiddenDropoutProb = try c.decodeIfPresent(Double.self, forKey: .hiddenDropoutProb) ?? 0.1
        attentionProbsDropoutProb = try c.decodeIfPresent(Double.self, forKey: .attentionProbsDropoutProb) ?? 0.1
        initializerRange = try c.decodeIfPresent(Double.self, forKey: .initializerRange) ?? 0.02
        padTokenId = try c.decodeIfPresent(Int.self, forKey: .padTokenId) ?? 0
        architectures = try c.decodeIfPresent([String].self, forKey: .architectures)
        embeddingSize = try c.decodeIfPresent(Int.self, forKey: .embeddingSize)
        sharing = try c.decodeIfPresent(Sharing.self, forKey: .sharing) ?? .all
        if modelType == "albert" {
            let groups = try c.decodeIfPresent(Int.self, forKey: .numHiddenGroups) ?? 1, inner = try c.decodeIfPresent(Int.self, forKey: .innerGroupNum) ?? 1
            guard groups == 1 && inner == 1 else {
                throw ConfigError(message: "ALBERT with num_hidden_groups \(groups) / inner_group_num \(inner): only 1 / 1 (one shared layer) is implemented")
            }
        }
    }

    public struct ConfigError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { "model config: \(message)" }
    }

    /// Reads and validates a config JSON file.
    public static func load(_ path: String) throws -> ModelConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError(message: "cannot read \(path)") }
        let config: ModelConfig
        do { config = try JSONDecoder().decode(ModelConfig.self, from: data) } catch { throw ConfigError(message: "\(path): \(error)") }
        try config.validate()
        return config
    }

    public func encode(to encoder: Encoder) throws {
        if modelType == "gpt2" {
            var g = encoder.container(keyedBy: GPT2Keys.self)
            try g.encode(modelType, forKey: .modelType)
            try g.encode(vocabSize, forKey: .vocabSize)
            try g.encode(hiddenSize, forKey: .nEmbd)
            try g.encode(numHiddenLayers, forKey: .nLayer)
            try g.encode(numAttentionHeads, forKey: .nHead)
            try g.encode(intermediateSize, forKey: .nInner)
            try g.encode(maxPositionEmbeddings, forKey: .nPositions)
            try g.encode(hiddenAct, forKey: .activationFunction)
            try g.encode(layerNormEps, forKey: .layerNormEpsilon)
            try g.encode(hiddenDropoutProb, forKey: .residPdrop)
            try g.encode(hiddenDropoutProb, forKey: .embdPdrop)
            try g.encode(attentionProbsDropoutProb, forKey: .attnPdrop)
            try g.encode(initializerRange, forKey: .initializerRange)
            try g.encode(architectures ?? ["GPT2LMHeadModel"], forKey: .architectures)
            try g.encode(true, forKey: .tieWordEmbeddings)
            try g.encodeIfPresent(bosTokenId, forKey: .bosTokenId)
            try g.encodeIfPresent(eosTokenId, forKey: .eosTokenId)
            return
        }
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(modelType, forKey: .modelType)
        try c.encode(vocabSize, forKey: .vocabSize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(numHiddenLayers, forKey: .numHiddenLayers)
        try c.encode(numAttentionHeads, forKey: .numAttentionHeads)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(maxPositionEmbeddings, forKey: .maxPositionEmbeddings)
        try c.encode(typeVocabSize, forKey: .typeVocabSize)
        try c.encode(hiddenAct, forKey: .hiddenAct)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encode(hiddenDropoutProb, forKey: .hiddenDropoutProb)
        try c.encode(attentionProbsDropoutProb, forKey: .attentionProbsDropoutProb)
        try c.encode(initializerRange, forKey: .initializerRange)
        try c.encode(padTokenId, forKey: .padTokenId)
        try c.encodeIfPresent(architectures, forKey: .architectures)
        if modelType == "albert" {
            try c.encode(embeddingWidth, forKey: .embeddingSize)
            try c.encode(sharing, forKey: .sharing)
            try c.encode(1, forKey: .numHiddenGroups)
            try c.encode(1, forKey: .innerGroupNum)
        }
    }

    public func validate() throws {
        guard ["bert", "albert", "gpt2"].contains(modelType) else { throw ConfigError(message: "model_type \(modelType) is not implemented (bert, albert and gpt2 are)") }
        guard embeddingWidth > 0 else { throw ConfigError(message: "embedding_size must be positive") }
        guard vocabSize > 0, hiddenSize > 0, numHiddenLayers > 0, intermediateSize > 0, maxPositionEmbeddings > 0, typeVocabSize > 0 else {
            throw ConfigError(message: "sizes must be positive")
        }
        guard numAttentionHeads > 0 && hiddenSize % numAttentionHeads == 0 else {
            throw ConfigError(message: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard GELU.Variant(rawValue: hiddenAct) != nil else { throw ConfigError(message: "hidden_act must be gelu or gelu_new") }
        guard (0..<1).contains(hiddenDropoutProb) && (0..<1).contains(attentionProbsDropoutProb) else {
            throw ConfigError(message: "dropout probabilities must be in [0, 1)")
        }
    }

    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    public var activation: GELU.Variant { GELU.Variant(rawValue: hiddenAct) ?? .exact }
}
