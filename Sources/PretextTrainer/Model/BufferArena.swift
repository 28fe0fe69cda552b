#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// Owns a model's activation and scratch buffers: each allocated once, zeroed, freed with the
/// arena — so a training step allocates nothing.
final class BufferArena<T: TrainerFloat> {
    private var buffers: [UnsafeMutableBufferPointer<T>] = []
    private var indexBuffers: [UnsafeMutableBufferPointer<Int32>] = []
    private var rowBuffers: [UnsafeMutableBufferPointer<Int>] = []

    /// A zeroed buffer of `count` elements (at least one).
    func make(_ count: Int) -> UnsafeMutablePointer<T> {
        let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, count))
        b.initialize(repeating: 0)
        buffers.append(b)
        return b.baseAddress!
    }

    /// A zeroed buffer of `count` token ids or labels (at least one).
    func makeIndices(_ count: Int) -> UnsafeMutablePointer<Int32> {
        let b = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, count))
        b.initialize(repeating: 0)
        indexBuffers.append(b)
        return b.baseAddress!
    }

    /// A zeroed buffer of `count` row numbers (at least one).
    func makeRows(_ count: Int) -> UnsafeMutablePointer<Int> {
        let b = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, count))
        b.initialize(repeating: 0)
        rowBuffers.append(b)
        return b.baseAddress!
    }

    deinit {
        for b in buffers { b.deallocate() }
        for b in indexBuffers { b.deallocate() }
        for b in rowBuffers { b.deallocate() }
    }
}

/// Fills `count` values with N(0, std²) from `KeyedRandom(seed, modelInit, index)` (Box–Muller,
/// two values per pair of uniforms): the initial weights of tensor `index`.
func fillNormal<T: TrainerFloat>(_ p: UnsafeMutablePointer<T>, count: Int, std: Double, seed: UInt64, index: UInt64) {
    var random = KeyedRandom(seed: seed, purpose: .modelInit, index: index)
    var i = 0
    while i < count {
        let u1 = max(random.unitDouble(), 1e-300), u2 = random.unitDouble()
        let r = (-2 * Double.log(u1)).squareRoot() * std
        p[i] = T(r * cos(2 * Double.pi * u2))
        if i + 1 < count { p[i + 1] = T(r * sin(2 * Double.pi * u2)) }
        i += 2
    }
}

extension Attention.DropoutKey {
    /// Attention-probability dropout of layer `l` for micro-batch `key` (nil when off): sites
    /// from (l + 1)·2^32 up, apart from the hidden-dropout sites.
    static func forLayer(_ l: Int, key: UInt64?, config: ModelConfig, seed: UInt64) -> Attention.DropoutKey? {
        guard let key, config.attentionProbsDropoutProb > 0 else { return nil }
        return Attention.DropoutKey(p: config.attentionProbsDropoutProb, seed: seed, key: key, site: UInt64(l + 1) << 32)
    }
}

extension ParameterTable {
    /// BERT's initialization of every tensor in the table: N(0, `range`²) for weight matrices
    /// and embeddings (the padding row of `wordEmbeddings` zeroed), zeros for biases, ones for
    /// LayerNorm weights. Tensor k's values come from `KeyedRandom(seed, modelInit, k)`.
    func initializeBertFamily<T: TrainerFloat>(_ parameters: UnsafeMutablePointer<T>, range: Double, seed: UInt64, wordEmbeddings: String, padTokenId: Int) {
        for (k, e) in entries.enumerated() {
            let p = parameters + e.offset
            if e.name.hasSuffix("LayerNorm.weight") || e.name.hasSuffix("layer_norm.weight") {
                for i in 0..<e.count { p[i] = 1 }
            } else if e.shape.count == 1 {
                for i in 0..<e.count { p[i] = 0 }
            } else {
                fillNormal(p, count: e.count, std: range, seed: seed, index: UInt64(k))
                if e.name == wordEmbeddings && padTokenId < e.shape[0] {
                    let width = e.shape[1]
                    for j in 0..<width { p[padTokenId * width + j] = 0 }
                }
            }
        }
    }
}
