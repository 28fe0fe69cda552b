/// A counter-based random stream: every value is a pure function of a key
/// `(seed, purpose, index, subindex)` and the position within the stream.
///
/// This is how Pretext stays deterministic under any thread count, partitioning or
/// resume point: a worker that needs randomness for document 1234 builds
/// `KeyedRandom(seed: s, purpose: .nextSentence, index: 1234)` and gets the same
/// numbers whoever runs it and whenever. There is no shared generator state.
///
/// The generator is SplitMix64 (Steele, Lea & Flood 2014) started from a state derived
/// by mixing the key words. Helpers (`below(_:)`, `unitDouble()`) use fixed, documented
/// algorithms rather than the standard library's `random(in:)`, whose algorithm may change
/// between toolchains; the Python reader reproduces them bit for bit.
public struct KeyedRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Golden-ratio increment of SplitMix64.
    @usableFromInline static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The SplitMix64 finalizer (a bijective 64-bit mixer).
    @inline(__always)
    public static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Creates the stream for one key. Different keys give statistically independent streams.
    /// - Parameters:
    ///   - seed: the run's seed (from the pipeline file or `--seed`).
    ///   - purpose: what the numbers are for, so two decisions about the same item never share a stream.
    ///   - index: the item (document, instance, sample…) the decision is about.
    ///   - subindex: a second counter (dupe copy, epoch…); 0 when unused.
    public init(seed: UInt64, purpose: RandomPurpose, index: UInt64, subindex: UInt64 = 0) {
        var s = Self.mix(seed &+ Self.gamma)
        s = Self.mix(s ^ purpose.rawValue)
        s = Self.mix(s ^ (index &* 0xD6E8_FEB8_6659_FD93))
        s = Self.mix(s ^ (subindex &* 0xA076_1D64_78BD_642F))
        state = s
    }

    /// The next 64 random bits (SplitMix64 step).
    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= Self.gamma
        return Self.mix(state)
    }

    /// Skips `draws` values of `next()` in O(1) (the state is a counter), so work split into
    /// ranges can draw exactly what one pass over all of it would.
    public mutating func skip(_ draws: Int) {
        state &+= Self.gamma &* UInt64(draws)
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection); `bound` > 0.
    @inline(__always)
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "KeyedRandom.below needs a positive bound")
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// A uniform `Int` in `0..<bound`; `bound` > 0.
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int { Int(below(UInt64(bound))) }

    /// A uniform double in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func unitDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
}

/// Names a use of randomness. The raw value is part of every key, so values must never
/// be reused or renumbered once shipped (that would change every output).
public struct RandomPurpose: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Tests and benchmarks that need arbitrary but reproducible data.
    public static let testData = RandomPurpose(rawValue: 0x7465_7374)
    /// NSP instances of a document: target length, split points, random-next, truncation.
    public static let nextSentencePairs = RandomPurpose(rawValue: 0x6E73_70)
    /// SOP instances of a document: target length, split points, swaps, truncation.
    public static let sentenceOrderPairs = RandomPurpose(rawValue: 0x736F_70)
    /// ELECTRA examples of a document (index: document, subindex: copy << 32 | example):
    /// the example's target length, its single-segment draw and its sentence coins.
    public static let electraExamples = RandomPurpose(rawValue: 0x656C_6563)
    /// Static masking of one instance copy.
    public static let staticMasking = RandomPurpose(rawValue: 0x6D61_736B)
    /// Dynamic masking of one sample in one epoch (the loader).
    public static let dynamicMasking = RandomPurpose(rawValue: 0x646D_736B)
    /// The loader's shuffle of an epoch.
    public static let epochShuffle = RandomPurpose(rawValue: 0x7368_7566)
    /// Dropout masks of the trainer (index: step and micro-batch, subindex: site in the model).
    public static let dropout = RandomPurpose(rawValue: 0x6472_6F70)
    /// Initial weights of a model (index: parameter tensor, element drawn in order).
    public static let modelInit = RandomPurpose(rawValue: 0x696E_6974)
    /// ELECTRA's generator samples (index: the batch's sample key, subindex: the position's row
    /// in the batch, b · length + t): one uniform per labelled position, drawn against the
    /// generator's softmax.
    public static let replacedTokenSampling = RandomPurpose(rawValue: 0x7274_6473)
}
