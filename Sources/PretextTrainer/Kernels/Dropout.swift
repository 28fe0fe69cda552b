import PretextCore

/// Inverted dropout with keyed randomness: element i is kept when the i-th uniform of
/// `KeyedRandom(seed, dropout, index: key, subindex: site)` is at least `p`, and scaled by
/// 1/(1 − p). The mask is a pure function of (seed, key, site), so the backward pass draws it
/// again instead of storing it, and a resumed run drops exactly what an uninterrupted one does.
public enum Dropout {
    /// In place; `p == 0` does nothing. (No exported Float specialization: its callers are in
    /// this module, and with one the attention kernel's closures failed to link on Swift 6.)
    /// With `threads`, element ranges run on the workers, each skipping the stream to its
    /// first element, so the mask is the same.
    public static func apply<T: TrainerFloat>(_ x: UnsafeMutablePointer<T>, count: Int, p: Double, seed: UInt64, key: UInt64, site: UInt64,
                                              threads: KernelThreads? = nil) {
        guard p > 0 else { return }
        let stream = KeyedRandom(seed: seed, purpose: .dropout, index: key, subindex: site)
        let keep = T(1 / (1 - p))
        (threads ?? .serial).forRanges(count) { range in
            var random = stream
            random.skip(range.lowerBound)
            for i in range { x[i] = random.unitDouble() < p ? 0 : x[i] * keep }
        }
    }
}
