#if canImport(Glibc)
import Glibc
#endif

/// Learning rate by step: linear warmup from 0 to `peak` over `warmupSteps`, then linear or
/// cosine decay to `peak · finalFraction` at `totalSteps` (constant: no decay).
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Decay: String, Sendable, CaseIterable { case linear, cosine, constant }
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var decay: Decay
    public var finalFraction: Double

    public init(peak: Double, warmupSteps: Int, totalSteps: Int, decay: Decay = .linear, finalFraction: Double = 0) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.decay = decay
        self.finalFraction = finalFraction
    }

    /// The rate for step `step` (0-based: the first update uses step 0).
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        if decay == .constant || totalSteps <= warmupSteps { return peak }
        let progress = min(1, Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps)))
        let floor = peak * finalFraction
        switch decay {
        case .linear: return floor + (peak - floor) * (1 - progress)
        case .cosine: return floor + (peak - floor) * 0.5 * (1 + cos(Double.pi * progress))
        case .constant: return peak
        }
    }
}

/// Scales gradients so their global L2 norm is at most `maxNorm`; returns the norm before.
@_specialize(exported: true, where T == Float)
public func clipGradients<T: TrainerFloat>(_ gradients: UnsafeMutableBufferPointer<T>, maxNorm: Double) -> Double {
    var sum = 0.0
    for g in gradients { let d = Double(g); sum += d * d }
    let norm = sum.squareRoot()
    if maxNorm > 0 && norm > maxNorm {
        let s = T(maxNorm / (norm + 1e-6))
        for i in gradients.indices { gradients[i] *= s }
    }
    return norm
}
