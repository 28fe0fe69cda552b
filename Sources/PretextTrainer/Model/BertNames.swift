/// Tensor names of the BERT family: Hugging Face's `BertForPreTraining` names for BERT, and
/// `AlbertForPreTraining` names for ALBERT, where every layer reads the one shared layer
/// (`albert.encoder.albert_layer_groups.0.albert_layers.0.*`) — or, with partial sharing
/// (`pretext_sharing` "attention" or "ffn"), per-layer tensors for the unshared half under
/// `albert.encoder.layer.N.*` (a Pretext extension that `transformers` does not load).
struct BertNames {
    let albert: Bool
    let sharing: ModelConfig.Sharing

    init(config: ModelConfig) {
        albert = config.modelType == "albert"
        sharing = albert ? config.sharing : .none
    }

    var word: String { albert ? "albert.embeddings.word_embeddings.weight" : "bert.embeddings.word_embeddings.weight" }
    var position: String { albert ? "albert.embeddings.position_embeddings.weight" : "bert.embeddings.position_embeddings.weight" }
    var tokenType: String { albert ? "albert.embeddings.token_type_embeddings.weight" : "bert.embeddings.token_type_embeddings.weight" }
    var embeddingNormWeight: String { albert ? "albert.embeddings.LayerNorm.weight" : "bert.embeddings.LayerNorm.weight" }
    var embeddingNormBias: String { albert ? "albert.embeddings.LayerNorm.bias" : "bert.embeddings.LayerNorm.bias" }
    /// ALBERT's projection from the embedding width E to the hidden width H.
    let mappingWeight = "albert.encoder.embedding_hidden_mapping_in.weight"
    let mappingBias = "albert.encoder.embedding_hidden_mapping_in.bias"

    var poolerWeight: String { albert ? "albert.pooler.weight" : "bert.pooler.dense.weight" }
    var poolerBias: String { albert ? "albert.pooler.bias" : "bert.pooler.dense.bias" }
    var pairWeight: String { albert ? "sop_classifier.classifier.weight" : "cls.seq_relationship.weight" }
    var pairBias: String { albert ? "sop_classifier.classifier.bias" : "cls.seq_relationship.bias" }
    var transformWeight: String { albert ? "predictions.dense.weight" : "cls.predictions.transform.dense.weight" }
    var transformBias: String { albert ? "predictions.dense.bias" : "cls.predictions.transform.dense.bias" }
    var transformNormWeight: String { albert ? "predictions.LayerNorm.weight" : "cls.predictions.transform.LayerNorm.weight" }
    var transformNormBias: String { albert ? "predictions.LayerNorm.bias" : "cls.predictions.transform.LayerNorm.bias" }
    var decoderBias: String { albert ? "predictions.bias" : "cls.predictions.bias" }

    /// The tensors layer `l` reads. `qkvWeight`/`qkvBias` name the query tensors; key and value
    /// follow them in the parameter arena (one `[3H × H]` matrix, one `[3H]` vector).
    struct Layer {
        var query, key, value, queryBias, keyBias, valueBias: String
        var attentionOutWeight, attentionOutBias, attentionNormWeight, attentionNormBias: String
        var ffnInWeight, ffnInBias, ffnOutWeight, ffnOutBias, ffnNormWeight, ffnNormBias: String
        var qkvWeight: String { query }
        var qkvBias: String { queryBias }
    }

    /// The tensors of a BERT-layout layer whose names start with `p` (BERT's
    /// `bert.encoder.layer.N.`, ELECTRA's `electra.encoder.layer.N.`).
    static func bertLayer(_ p: String) -> Layer {
        Layer(query: p + "attention.self.query.weight", key: p + "attention.self.key.weight", value: p + "attention.self.value.weight",
              queryBias: p + "attention.self.query.bias", keyBias: p + "attention.self.key.bias", valueBias: p + "attention.self.value.bias",
              attentionOutWeight: p + "attention.output.dense.weight", attentionOutBias: p + "attention.output.dense.bias",
              attentionNormWeight: p + "attention.output.LayerNorm.weight", attentionNormBias: p + "attention.output.LayerNorm.bias",
              ffnInWeight: p + "intermediate.dense.weight", ffnInBias: p + "intermediate.dense.bias",
              ffnOutWeight: p + "output.dense.weight", ffnOutBias: p + "output.dense.bias",
              ffnNormWeight: p + "output.LayerNorm.weight", ffnNormBias: p + "output.LayerNorm.bias")
    }

    func layer(_ l: Int) -> Layer {
        if !albert { return Self.bertLayer("bert.encoder.layer.\(l).") }
        let shared = "albert.encoder.albert_layer_groups.0.albert_layers.0.", own = "albert.encoder.layer.\(l)."
        let a = sharing == .all || sharing == .attention ? shared : own
        let f = sharing == .all || sharing == .ffn ? shared : own
        return Layer(query: a + "attention.query.weight", key: a + "attention.key.weight", value: a + "attention.value.weight",
                     queryBias: a + "attention.query.bias", keyBias: a + "attention.key.bias", valueBias: a + "attention.value.bias",
                     attentionOutWeight: a + "attention.dense.weight", attentionOutBias: a + "attention.dense.bias",
                     attentionNormWeight: a + "attention.LayerNorm.weight", attentionNormBias: a + "attention.LayerNorm.bias",
                     ffnInWeight: f + "ffn.weight", ffnInBias: f + "ffn.bias", ffnOutWeight: f + "ffn_output.weight", ffnOutBias: f + "ffn_output.bias",
                     ffnNormWeight: f + "full_layer_layer_norm.weight", ffnNormBias: f + "full_layer_layer_norm.bias")
    }
}
