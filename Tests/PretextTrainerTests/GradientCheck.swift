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

    /// A whole model's gradients (from one forward and backward pass already run on `inputs`)
    /// against central differences of its loss, at 5 elements spread over every tensor (offset
    /// by `salt`) plus `extra(entry)`: the worst relative error (differences resolve about 1e-8
    /// here, so that much is forgiven) and where it was.
    static func worstModelError<M: PretrainingModel>(_ model: M, _ inputs: ModelInputs, dropoutKey: UInt64, salt: Int,
                                                     extra: (ParameterTable.Entry) -> [Int] = { _ in [] }) throws -> (Double, String)
        where M.Element == Double {
        var worst: (Double, String) = (0, "")
        for e in model.table.entries {
            var picks = Set(extra(e))
            for k in 0..<5 { picks.insert((k * 7919 + salt) % e.count) }
            for i in picks {
                let saved = model.parameters[e.offset + i]
                let h = 1e-6
                model.parameters[e.offset + i] = saved + h
                let plus = try model.forward(inputs, dropoutKey: dropoutKey).loss
                model.parameters[e.offset + i] = saved - h
                let minus = try model.forward(inputs, dropoutKey: dropoutKey).loss
                model.parameters[e.offset + i] = saved
                let numeric = (plus - minus) / (2 * h)
                let analytic = model.gradients[e.offset + i]
                let error = max(0, abs(analytic - numeric) - 1e-8) / max(1e-12, abs(analytic) + abs(numeric))
                if error > worst.0 { worst = (error, "\(e.name)[\(i)]: analytic \(analytic), numeric \(numeric)") }
            }
        }
        return worst
    }
}
