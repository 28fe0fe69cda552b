import Testing
@testable import PretextTrainer

/// Records a failure naming the worst element when `actual` and `expected` differ by more than
/// atol + rtol·|expected|; atol is 1e-5, or 1e-3 of the tensor's largest magnitude when that is
/// smaller (so a tensor of tiny gradients cannot pass as all zeros). The comparison of the
/// PyTorch reference tests.
func expectClose(_ actual: [Float], _ expected: [Float], _ what: String, rtol: Float = 1e-4, atol: Float = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    let scale = expected.map(abs).max() ?? 0
    let tolerance = scale > 0 ? min(atol, max(1e-3 * scale, 1e-9)) : 1e-9
    var worst: (Float, Int) = (0, -1)
    for i in 0..<min(actual.count, expected.count) {
        let excess = abs(actual[i] - expected[i]) - (tolerance + rtol * abs(expected[i]))
        if excess > worst.0 { worst = (excess, i) }
    }
    #expect(worst.1 < 0, "\(what)[\(worst.1)]: \(worst.1 >= 0 ? actual[worst.1] : 0) vs \(worst.1 >= 0 ? expected[worst.1] : 0)",
            sourceLocation: sourceLocation)
}

/// The losses before each of `steps` AdamW updates on one batch, with the settings of the
/// PyTorch reference scripts (lr 1e-3, betas 0.9/0.999, eps 1e-6, weight decay 0.01 except on
/// biases and LayerNorm). Updates `model` in place.
func adamWLosses<M: PretrainingModel>(_ model: M, _ inputs: ModelInputs, steps: Int) throws -> [Float] where M.Element == Float {
    let optimizer = AdamW<Float>(table: model.table, threads: model.kernelThreads)
    optimizer.epsilon = 1e-6
    optimizer.weightDecay = 0.01
    var losses: [Float] = []
    for _ in 0..<steps {
        losses.append(Float(try model.forward(inputs, dropoutKey: nil).loss))
        model.zeroGradients()
        model.backward(inputs, scale: 1)
        optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: 1e-3)
    }
    return losses
}
