#if canImport(Glibc)
import Glibc
#endif
import PretextCore

/// Owns a model's activation and scratch buffers: each allocated once, zeroed, freed with the
/// arena — so a training step allocates nothing.
final class BufferArena<T: TrainerFloat> {
    private var buffers: [UnsafeMutableBufferPointer<T>] = []

    /// A zeroed buffer of `count` elements (at least one).
    func make(_ count: Int) -> UnsafeMutablePointer<T> {
        let b = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, count))
        b.initialize(repeating: 0)
        buffers.append(b)
        return b.baseAddress!
    }

    deinit { for b in buffers { b.deallocate() } }
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
