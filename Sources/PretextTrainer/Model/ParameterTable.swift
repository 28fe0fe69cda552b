/// The tensors of a model laid out in one flat buffer: names (Hugging Face's state-dict names,
/// so checkpoints load in `transformers`), shapes (row-major; linear weights `[out, in]`) and
/// offsets. The order is chosen so that tensors used together are adjacent — a layer's
/// query, key and value weights form one `[3H × H]` matrix (and their biases one `[3H]`
/// vector) for a single fused QKV gemm.
public struct ParameterTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// AdamW applies weight decay (not to biases and LayerNorm parameters).
        public let decays: Bool
    }

    public private(set) var entries: [Entry] = []
    public private(set) var count = 0
    private var index: [String: Int] = [:]

    public init() {}

    /// Adds `name` (a second add of the same name — a shared tensor — is ignored). Biases and
    /// layer-norm parameters do not decay unless `decays` says otherwise.
    mutating func add(_ name: String, _ shape: [Int], decays: Bool? = nil) {
        if let existing = index[name] {
            precondition(entries[existing].shape == shape, "parameter \(name) added with two shapes")
            return
        }
        let isNorm = name.contains("LayerNorm") || name.contains("layer_norm") || name.hasSuffix(".bias")
        index[name] = entries.count
        entries.append(Entry(name: name, shape: shape, offset: count, decays: decays ?? !isNorm))
        count += shape.reduce(1, *)
    }

    public func entry(_ name: String) -> Entry? { index[name].map { entries[$0] } }

    /// Offset of `name` (a programming error when absent).
    public func offset(_ name: String) -> Int {
        guard let i = index[name] else { preconditionFailure("no parameter \(name)") }
        return entries[i].offset
    }
}

extension ParameterTable {
    /// Copies tensor `prefix + name` of `tensors` into `buffer` at each entry's offset (a
    /// checkpoint's weights or optimizer moments into an arena). A tensor missing or of another
    /// shape is an error naming `source`.
    public func load(_ tensors: [String: SafeTensors.Tensor], prefix: String = "", into buffer: UnsafeMutableBufferPointer<Float>,
                     source: String) throws {
        for e in entries {
            guard let t = tensors[prefix + e.name], t.shape == e.shape else {
                throw TrainingError(message: "\(source): tensor \(prefix + e.name) missing or not of shape \(e.shape)")
            }
            for i in 0..<e.count { buffer[e.offset + i] = t.values[i] }
        }
    }
}
