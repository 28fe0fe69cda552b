/// GELU, exact (`0.5 · x · (1 + erf(x / √2))`, BERT's `gelu`) or with the tanh approximation
/// (`gelu_new`, GPT-2's), elementwise over `count` values. The forward pass can keep the
/// CDF (exact) or tanh term per element in `cache`, so the backward pass does not evaluate
/// erf or tanh again. With `threads`, element ranges run on the workers (same bits).
public enum GELU {
    public enum Variant: String, Sendable, Codable { case exact = "gelu", tanh = "gelu_new" }

    @_specialize(exported: true, where T == Float)
    public static func forward<T: TrainerFloat>(out: UnsafeMutablePointer<T>, inp: UnsafePointer<T>, count: Int, variant: Variant,
                                                cache: UnsafeMutablePointer<T>? = nil, threads: KernelThreads? = nil) {
        (threads ?? .serial).forRanges(count) { range in
            switch variant {
            case .exact:
                let r: T = 1 / T.sqrt(2)
                for i in range {
                    let x = inp[i], cdf = 0.5 * (1 + T.erf(x * r))
                    out[i] = x * cdf
                    cache?[i] = cdf
                }
            case .tanh:
                let k = T.sqrt(2 / T.pi)
                for i in range {
                    let x = inp[i], t = T.tanh(k * (x + 0.044715 * x * x * x))
                    out[i] = 0.5 * x * (1 + t)
                    cache?[i] = t
                }
            }
        }
    }

    /// `dinp = dout · gelu'(inp)` (overwrites).
    @_specialize(exported: true, where T == Float)
    public static func backward<T: TrainerFloat>(dinp: UnsafeMutablePointer<T>, dout: UnsafePointer<T>, inp: UnsafePointer<T>, count: Int, variant: Variant,
                                                 cache: UnsafePointer<T>? = nil, threads: KernelThreads? = nil) {
        (threads ?? .serial).forRanges(count) { range in
            switch variant {
            case .exact:
                let r: T = 1 / T.sqrt(2), c: T = 1 / T.sqrt(2 * T.pi)
                for i in range {
                    let x = inp[i]
                    let cdf = cache?[i] ?? 0.5 * (1 + T.erf(x * r))
                    let pdf = c * T.exp(-0.5 * x * x)
                    dinp[i] = dout[i] * (cdf + x * pdf)
                }
            case .tanh:
                let k = T.sqrt(2 / T.pi)
                for i in range {
                    let x = inp[i]
                    let t = cache?[i] ?? T.tanh(k * (x + 0.044715 * x * x * x))
                    let du = k * (1 + 3 * 0.044715 * x * x)
                    dinp[i] = dout[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
                }
            }
        }
    }
}
