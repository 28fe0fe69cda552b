/// The model a config names, as a closed set of concrete types: calls through it reach the
/// `Float`-specialized code of `BertModel`/`GPTModel` (through an `any PretrainingModel`
/// existential they would run the unspecialized generic code, several times slower).
public enum TrainableModel {
    case bert(BertModel<Float>)
    case gpt(GPTModel<Float>)
    case electra(ElectraModel<Float>)

    /// The model `config` names (`model_type` bert, albert, electra or gpt2), with buffers for `maxBatch ×
    /// maxLength` and, for BERT, `maxPredictions` labelled positions.
    public init(config: ModelConfig, maxBatch: Int, maxLength: Int, maxPredictions: Int) throws {
        switch config.modelType {
        case "gpt2": self = .gpt(try GPTModel<Float>(config: config, maxBatch: maxBatch, maxLength: maxLength))
        case "electra": self = .electra(try ElectraModel<Float>(config: config, maxBatch: maxBatch, maxLength: maxLength, maxPredictions: maxPredictions))
        default: self = .bert(try BertModel<Float>(config: config, maxBatch: maxBatch, maxLength: maxLength, maxPredictions: maxPredictions))
        }
    }

    public var config: ModelConfig { switch self { case .bert(let m): m.config; case .gpt(let m): m.config; case .electra(let m): m.config } }
    public var table: ParameterTable { switch self { case .bert(let m): m.table; case .gpt(let m): m.table; case .electra(let m): m.table } }
    public var parameters: UnsafeMutableBufferPointer<Float> { switch self { case .bert(let m): m.parameters; case .gpt(let m): m.parameters; case .electra(let m): m.parameters } }
    public var gradients: UnsafeMutableBufferPointer<Float> { switch self { case .bert(let m): m.gradients; case .gpt(let m): m.gradients; case .electra(let m): m.gradients } }
    public var maxBatch: Int { switch self { case .bert(let m): m.maxBatch; case .gpt(let m): m.maxBatch; case .electra(let m): m.maxBatch } }
    public var kernelThreads: KernelThreads { switch self { case .bert(let m): m.kernelThreads; case .gpt(let m): m.kernelThreads; case .electra(let m): m.kernelThreads } }

    public func setDropoutSeed(_ seed: UInt64) {
        switch self {
        case .bert(let m): m.dropoutSeed = seed
        case .gpt(let m): m.dropoutSeed = seed
        case .electra(let m): m.dropoutSeed = seed
        }
    }

    public func forward(_ inputs: ModelInputs, dropoutKey: UInt64?) throws -> ModelStep {
        switch self {
        case .bert(let m): try m.forward(inputs, dropoutKey: dropoutKey)
        case .gpt(let m): try m.forward(inputs, dropoutKey: dropoutKey)
        case .electra(let m): try m.forward(inputs, dropoutKey: dropoutKey)
        }
    }

    public func backward(_ inputs: ModelInputs, scale: Double) {
        switch self {
        case .bert(let m): m.backward(inputs, scale: scale)
        case .gpt(let m): m.backward(inputs, scale: scale)
        case .electra(let m): m.backward(inputs, scale: scale)
        }
    }

    public func zeroGradients() { switch self { case .bert(let m): m.zeroGradients(); case .gpt(let m): m.zeroGradients(); case .electra(let m): m.zeroGradients() } }
    public func initialize(seed: UInt64) { switch self { case .bert(let m): m.initialize(seed: seed); case .gpt(let m): m.initialize(seed: seed); case .electra(let m): m.initialize(seed: seed) } }
}

extension TrainableModel {
    /// A checkpoint's Hugging Face model folders: `subfolder` ("" = the checkpoint folder
    /// itself) with its config.json and model.safetensors. BERT, ALBERT and GPT-2 are one model
    /// in the checkpoint folder; ELECTRA is two, `discriminator/` (`ElectraForPreTraining`) and
    /// `generator/` (`ElectraForMaskedLM`), each loading with `from_pretrained`.
    public static func huggingFaceFolders(config: ModelConfig, weights: [String: SafeTensors.Tensor])
        -> [(subfolder: String, config: ModelConfig, weights: [String: SafeTensors.Tensor])] {
        guard config.modelType == "electra" else { return [("", config, weights)] }
        let names = ElectraNames(config: config)
        return [("discriminator", config.discriminatorConfig, names.export(weights, role: ElectraNames.discriminator)),
                ("generator", config.generatorConfig, names.export(weights, role: ElectraNames.generator))]
    }

    /// The model's tensors, under its parameter table's names, from a checkpoint folder
    /// written with `huggingFaceFolders` (`config` is the checkpoint's config.json).
    public static func readWeights(folder: String, config: ModelConfig) throws -> [String: SafeTensors.Tensor] {
        guard config.modelType == "electra" else { return try SafeTensors.read(folder + "/model.safetensors").tensors }
        return ElectraNames.combine(discriminator: try SafeTensors.read(folder + "/discriminator/model.safetensors").tensors,
                                    generator: try SafeTensors.read(folder + "/generator/model.safetensors").tensors)
    }
}
