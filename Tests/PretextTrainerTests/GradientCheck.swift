import PretextCore
@testable import PretextTrainer

/// Finite-difference checks in Double: for a kernel y = f(x, θ) and a fixed random upstream
/// gradient dy, the analytic gradient of L = Σ dy·y with respect to every input element must
/// match (L(x + h) − L(x − h)) / 2h.
enum GradientCheck {
    static func random(_ n: Int, seed: UInt64, scale: Double = 1) -> [Double] {
        var r = KeyedRandom(seed: seed, purpose: .testData, index: UInt64(n))
        return (0..<n).map { _ in (r.unitDouble() * 2 - 1) * scale }
    }

    /// Largest relative error max|a − n| / max(1e-6, |a| + |n|) over all elements of `x`.
    /// `loss` evaluates L for the current contents of `x`; `analytic` is dL/dx.
    static func maxError(_ x: inout [Double], analytic: [Double], h: Double = 1e-6, loss: ([Double]) -> Double) -> Double {
        var worst = 0.0
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + h
            let plus = loss(x)
            x[i] = saved - h
            let minus = loss(x)
            x[i] = saved
            let numeric = (plus - minus) / (2 * h)
            let error = abs(analytic[i] - numeric) / max(1e-6, abs(analytic[i]) + abs(numeric))
            worst = max(worst, error)
        }
        return worst
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}
