import Foundation
import Testing
@testable import PretextTrainer

/// The schedule against Hugging Face's formulas (`get_linear_schedule_with_warmup`,
/// `get_cosine_schedule_with_warmup`): warmup one step ahead of HF's (the documented
/// difference: HF's first update has lr 0), the decay equal.
@Suite struct LearningRateScheduleTests {
    /// HF's multiplier at scheduler step s (what its (s+1)-th update uses).
    static func hfLinear(_ s: Int, warmup: Int, total: Int) -> Double {
        s < warmup ? Double(s) / Double(max(1, warmup)) : max(0, Double(total - s) / Double(max(1, total - warmup)))
    }

    static func hfCosine(_ s: Int, warmup: Int, total: Int) -> Double {
        if s < warmup { return Double(s) / Double(max(1, warmup)) }
        let progress = Double(s - warmup) / Double(max(1, total - warmup))
        return max(0, 0.5 * (1 + cos(Double.pi * progress)))
    }

    @Test func warmupIsOneStepAheadOfHFAndTheDecayIsHFs() {
        let (peak, warmup, total) = (1e-3, 10, 100)
        let linear = LearningRateSchedule(peak: peak, warmupSteps: warmup, totalSteps: total, decay: .linear)
        let cosine = LearningRateSchedule(peak: peak, warmupSteps: warmup, totalSteps: total, decay: .cosine)
        for s in 0..<total {
            let hfLinear = s < warmup ? Self.hfLinear(s + 1, warmup: warmup, total: total) : Self.hfLinear(s, warmup: warmup, total: total)
            let hfCosine = s < warmup ? Self.hfCosine(s + 1, warmup: warmup, total: total) : Self.hfCosine(s, warmup: warmup, total: total)
            #expect(abs(linear.rate(at: s) - peak * hfLinear) < 1e-15, "linear, step \(s)")
            #expect(abs(cosine.rate(at: s) - peak * hfCosine) < 1e-15, "cosine, step \(s)")
        }
        #expect(linear.rate(at: 0) == peak / Double(warmup))
        #expect(Self.hfLinear(0, warmup: warmup, total: total) == 0)
    }
}
