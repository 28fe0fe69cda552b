import Foundation

/// A model's shape, read from a JSON file with Hugging Face `config.json` field names (so a
/// Pretext checkpoint folder is also a HF one). `model_type` "bert" (`BertModel`) uses BERT's
/// names; "gpt2" (`GPTModel`) GPT-2's (`n_embd`, `n_layer`, `n_head`, `n_inner`,
/// `n_positions`, `activation_function`, `layer_norm_epsilon`, `resid_pdrop`, `attn_pdrop`),
/// mapped onto the same fields. "albert" (`BertModel` with factorized embeddings and shared
/// layers) adds `embedding_size` and Pretext's `pretext_sharing` (all, attention, ffn, none).
///
/// "electra" (`ElectraModel`) is HF's `ElectraConfig` of the discriminator (`embedding_size`
/// shared by both networks) plus ELECTRA's own `generator_hidden_size` and `generator_layers`
/// (fractions of the discriminator's width and depth; the generator's FFN is 4× its width and
/// it has max(1, width / 64) heads, as google-research/electra's `get_generator_config`) and
/// `disc_weight` (λ of loss = MLM + λ·RTD); `generatorConfig` derives the generator's HF config.
///
/// `vocab_size` may be `"auto"` or absent: the trainer takes the shards' vocabulary size
/// (`autoVocabSize` until then; a checkpoint's config.json always holds the number).
public struct ModelConfig: Codable, Sendable, Equatable {
    public var modelType: String = "bert"
    public var vocabSize: Int
    /// `vocabSize` of a config that takes it from the shards.
    public static let autoVocabSize = 0
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

    /// ELECTRA: the generator's width and depth as fractions of the discriminator's (nil in
    /// the HF configs of the two networks, which do not carry them), and λ.
    public var generatorHiddenSize: Double?
    public var generatorLayers: Double?
    public var discWeight: Double?

    /// Width of the token embeddings.
    public var embeddingWidth: Int { modelType == "albert" || modelType == "electra" ? (embeddingSize ?? hiddenSize) : hiddenSize }

    /// ELECTRA's generator as HF's `ElectraForMaskedLM` config: width round(H · fraction),
    /// depth round(L · fraction), FFN 4× the width, max(1, width / 64) heads, the same
    /// embeddings (`embedding_size`), vocabulary, positions, activation and dropout.
    public var generatorConfig: ModelConfig {
        var g = self
        g.hiddenSize = max(1, Int((Double(hiddenSize) * (generatorHiddenSize ?? Self.electraGeneratorHiddenSize)).rounded()))
        g.numHiddenLayers = max(1, Int((Double(numHiddenLayers) * (generatorLayers ?? 1)).rounded()))
        g.intermediateSize = 4 * g.hiddenSize
        g.numAttentionHeads = max(1, g.hiddenSize / 64)
        g.embeddingSize = embeddingWidth
        g.architectures = ["ElectraForMaskedLM"]
        g.generatorHiddenSize = nil; g.generatorLayers = nil; g.discWeight = nil
        return g
    }

    /// ELECTRA's discriminator as HF's `ElectraForPreTraining` config (without ELECTRA's
    /// training fields).
    public var discriminatorConfig: ModelConfig {
        var d = self
        d.embeddingSize = embeddingWidth
        d.architectures = ["ElectraForPreTraining"]
        d.generatorHiddenSize = nil; d.generatorLayers = nil; d.discWeight = nil
        return d
    }

    /// google-research/electra's defaults: a generator 1/4 of the discriminator's width, λ = 50.
    public static let electraGeneratorHiddenSize = 0.25
    public static let electraDiscWeight = 50.0

    enum CodingKeys: String, CodingKey, CaseIterable {
        case modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size", hiddenAct = "hidden_act"
        case layerNormEps = "layer_norm_eps", hiddenDropoutProb = "hidden_dropout_prob"
        case attentionProbsDropoutProb = "attention_probs_dropout_prob", initializerRange = "initializer_range"
        case padTokenId = "pad_token_id", architectures
        case embeddingSize = "embedding_size", sharing = "pretext_sharing", numHiddenGroups = "num_hidden_groups", innerGroupNum = "inner_group_num"
        case classifierDropout = "classifier_dropout", classifierDropoutProb = "classifier_dropout_prob"
        case generatorHiddenSize = "generator_hidden_size", generatorLayers = "generator_layers", discWeight = "disc_weight"
        case positionEmbeddingType = "position_embedding_type"
    }

    public init(vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
    }

    enum GPT2Keys: String, CodingKey, CaseIterable {
        case modelType = "model_type", vocabSize = "vocab_size", nEmbd = "n_embd", nLayer = "n_layer", nHead = "n_head", nInner = "n_inner"
        case nPositions = "n_positions", activationFunction = "activation_function", layerNormEpsilon = "layer_norm_epsilon"
        case residPdrop = "resid_pdrop", embdPdrop = "embd_pdrop", attnPdrop = "attn_pdrop", initializerRange = "initializer_range"
        case architectures, tieWordEmbeddings = "tie_word_embeddings"
        case bosTokenId = "bos_token_id", eosTokenId = "eos_token_id"
        case summaryFirstDropout = "summary_first_dropout"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        modelType = try c.decodeIfPresent(String.self, forKey: .modelType) ?? "bert"
        if modelType == "gpt2" {
            let g = try decoder.container(keyedBy: GPT2Keys.self)
            vocabSize = try Self.decodeVocabSize(g, .vocabSize)
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
        vocabSize = try Self.decodeVocabSize(c, .vocabSize)
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
        if modelType == "electra" {
            generatorHiddenSize = try c.decodeIfPresent(Double.self, forKey: .generatorHiddenSize)
            generatorLayers = try c.decodeIfPresent(Double.self, forKey: .generatorLayers)
            discWeight = try c.decodeIfPresent(Double.self, forKey: .discWeight)
            if let kind = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType), kind != "absolute" {
                throw ConfigError(message: "position_embedding_type \(kind): only absolute positions are implemented")
            }
        }
        if modelType == "albert" {
            // HF's AlbertForPreTraining applies classifier_dropout_prob in its SOP head; Pretext's
            // pair head has no dropout, so only 0 describes what Pretext trains.
            if let p = try c.decodeIfPresent(Double.self, forKey: .classifierDropoutProb), p != 0 {
                throw ConfigError(message: "classifier_dropout_prob \(p): Pretext's SOP head has no dropout; use 0")
            }
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

    /// `vocab_size`: a number, or `"auto"` / absent for the shards' vocabulary.
    static func decodeVocabSize<K: CodingKey>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> Int {
        if let n = try? c.decodeIfPresent(Int.self, forKey: key) { return n }
        if let text = try? c.decodeIfPresent(String.self, forKey: key) {
            guard text == "auto" else { throw ConfigError(message: "vocab_size must be a number or \"auto\", not \"\(text)\"") }
            return autoVocabSize
        }
        if c.contains(key), try !c.decodeNil(forKey: key) { throw ConfigError(message: "vocab_size must be a number or \"auto\"") }
        return autoVocabSize
    }

    /// Reads and validates a config JSON file; `overrides` (`field=value`, from the command
    /// line's `--set`) replace or add fields first. A value is read as JSON when it parses as
    /// JSON (`64`, `0.1`, `true`, `"gelu"`), else as a string (`gelu_new`); a field Pretext does
    /// not read for the config's `model_type` is refused, so a typo is not silently ignored.
    public static func load(_ path: String, overrides: [String] = []) throws -> ModelConfig {
        guard var data = FileManager.default.contents(atPath: path) else { throw ConfigError(message: "cannot read \(path)") }
        if !overrides.isEmpty {
            guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw ConfigError(message: "\(path) is not a JSON object")
            }
            let type = (object["model_type"] as? String) ?? "bert"
            for item in overrides {
                guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { throw ConfigError(message: "--set \(item): expected field=value") }
                let field = String(item[..<eq]), text = String(item[item.index(after: eq)...])
                let known = field == "model_type" ? true : type == "gpt2" ? GPT2Keys(rawValue: field) != nil : CodingKeys(rawValue: field) != nil
                guard known else {
                    let names = (type == "gpt2" ? GPT2Keys.allCases.map(\.rawValue) : CodingKeys.allCases.map(\.rawValue)).sorted()
                    throw ConfigError(message: "--set \(field): not a field of a \(type) config (fields: \(names.joined(separator: ", ")))")
                }
                object[field] = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
            }
            data = try JSONSerialization.data(withJSONObject: object)
        }
        let config: ModelConfig
        do { config = try JSONDecoder().decode(ModelConfig.self, from: data) } catch let e as ConfigError { throw ConfigError(message: "\(path): \(e.message)") } catch { throw ConfigError(message: "\(path): \(error)") }
        try config.validate(allowingAutoVocabulary: true)
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
            // Read only by heads GPT2LMHeadModel does not have (double heads, classification):
            // the residual rate, for a head added later.
            try g.encode(hiddenDropoutProb, forKey: .summaryFirstDropout)
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
        if modelType == "electra" {
            try c.encode(embeddingWidth, forKey: .embeddingSize)
            try c.encode("absolute", forKey: .positionEmbeddingType)
            try c.encodeNil(forKey: .classifierDropout)
            try c.encodeIfPresent(generatorHiddenSize, forKey: .generatorHiddenSize)
            try c.encodeIfPresent(generatorLayers, forKey: .generatorLayers)
            try c.encodeIfPresent(discWeight, forKey: .discWeight)
        } else if modelType == "albert" {
            try c.encode(embeddingWidth, forKey: .embeddingSize)
            try c.encode(sharing, forKey: .sharing)
            try c.encode(1, forKey: .numHiddenGroups)
            try c.encode(1, forKey: .innerGroupNum)
            // AlbertForPreTraining's SOP head applies this (HF's default is 0.1); Pretext's has none.
            try c.encode(0.0, forKey: .classifierDropoutProb)
        } else {
            // Read by BERT's classification heads, not BertForPreTraining (whose NSP head has no
            // dropout, as Pretext's): null is HF's "use hidden_dropout_prob", said explicitly.
            try c.encodeNil(forKey: .classifierDropout)
        }
    }

    /// `allowingAutoVocabulary`: `vocab_size` may still be `autoVocabSize` (a config as read,
    /// before the trainer resolves it against the shards).
    public func validate(allowingAutoVocabulary: Bool = false) throws {
        guard vocabSize > 0 || (allowingAutoVocabulary && vocabSize == Self.autoVocabSize) else {
            throw ConfigError(message: "vocab_size must be positive (or \"auto\": the shards' vocabulary)")
        }
        guard ["bert", "albert", "electra", "gpt2"].contains(modelType) else {
            throw ConfigError(message: "model_type \(modelType) is not implemented (bert, albert, electra and gpt2 are)")
        }
        if modelType == "electra" {
            guard (generatorHiddenSize ?? 1) > 0, (generatorLayers ?? 1) > 0 else { throw ConfigError(message: "generator_hidden_size and generator_layers must be positive") }
            guard (discWeight ?? 0) >= 0 else { throw ConfigError(message: "disc_weight must be at least 0") }
        }
        guard embeddingWidth > 0 else { throw ConfigError(message: "embedding_size must be positive") }
        guard hiddenSize > 0, numHiddenLayers > 0, intermediateSize > 0, maxPositionEmbeddings > 0, typeVocabSize > 0 else {
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
