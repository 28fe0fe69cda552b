/// AdamW (Loshchilov & Hutter) as PyTorch's `torch.optim.AdamW` computes it: bias-corrected
/// moments and decoupled weight decay `θ ← θ − lr·λ·θ` applied before the Adam step, only to
/// the tensors whose `ParameterTable` entry `decays` (not biases, not LayerNorm parameters).
public final class AdamW<T: TrainerFloat> {
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var epsilon: Double = 1e-6
    public var weightDecay: Double = 0.01
    /// Steps taken (the bias correction's t).
    public private(set) var step = 0
    public let m: UnsafeMutableBufferPointer<T>
    public let v: UnsafeMutableBufferPointer<T>
    let table: ParameterTable
    /// Workers the update is spread over (each element is independent: same bits).
    let threads: KernelThreads

    public init(table: ParameterTable, threads: KernelThreads = .serial) {
        self.table = table
        self.threads = threads
        m = .allocate(capacity: max(1, table.count)); m.initialize(repeating: 0)
        v = .allocate(capacity: max(1, table.count)); v.initialize(repeating: 0)
    }

    deinit { m.deallocate(); v.deallocate() }

    /// Restores the step count (with `m`, `v` loaded from a checkpoint).
    public func restore(step: Int) { self.step = step }

    /// One update of `parameters` from `gradients` at learning rate `lr`.
    @_specialize(exported: true, where T == Float)
    public func update(parameters: UnsafeMutableBufferPointer<T>, gradients: UnsafeMutableBufferPointer<T>, lr: Double) {
        step += 1
        let b1 = T(beta1), b2 = T(beta2), eps = T(epsilon)
        let c1 = T(1 - pow(beta1, Double(step))), c2 = T(1 - pow(beta2, Double(step)))
        let lrT = T(lr), decay = T(1 - lr * weightDecay)
        let stepSize = lrT / c1
        let sqrtC2 = T.sqrt(c2)
        for e in table.entries {
            let p = parameters.baseAddress! + e.offset, g = gradients.baseAddress! + e.offset
            let mm = m.baseAddress! + e.offset, vv = v.baseAddress! + e.offset
            let d = e.decays ? decay : 1
            threads.forRanges(e.count) { range in
                for i in range {
                    p[i] *= d
                    mm[i] = b1 * mm[i] + (1 - b1) * g[i]
                    vv[i] = b2 * vv[i] + (1 - b2) * g[i] * g[i]
                    p[i] -= stepSize * mm[i] / (T.sqrt(vv[i]) / sqrtC2 + eps)
                }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
