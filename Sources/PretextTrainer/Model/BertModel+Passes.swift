import PretextCore

extension BertModel {

    /// Dropout sites of a pass with `key` (nil = evaluation): embeddings at site 0, the layers
    /// after it (`TransformerEncoder`).
    func dropoutSites(_ key: UInt64?) -> DropoutSites? { key.map { DropoutSites(key: $0, seed: dropoutSeed, siteBase: 0) } }

    /// Forward pass and loss for `inputs`. `dropoutKey` (a step counter) switches dropout on;
    /// nil = evaluation (no dropout). Returns the step's losses and accuracies.
    @_specialize(exported: true, where T == Float)
    @discardableResult
    public func forward(_ inputs: Inputs, dropoutKey: UInt64? = nil) throws -> Step {
        let B = inputs.batch, Tn = inputs.length
        try inputs.checkShape(maxBatch: maxBatch, maxLength: maxLength, pairs: true)
        try inputs.checkIDs(vocabulary: V, types: config.typeVocabSize)
        var step = Step()
        step.batch = B; step.length = Tn; step.dropoutKey = dropoutKey
        // Labelled positions and pair rows.
        let P = try inputs.gatherLabels(rows: maskedRows, targets: maskedTargets, limit: maxPredictions, vocabulary: V)
        var NP = 0
        for b in 0..<B where inputs.pairLabels[b] >= 0 { pairRows[NP] = b; pairTargets[NP] = inputs.pairLabels[b]; NP += 1 }
        step.predictions = P; step.pairs = NP
        let sites = dropoutSites(dropoutKey)
        func w(_ n: String) -> UnsafeMutablePointer<T> { parameter(n) }

        inputs.inputIDs.withUnsafeBufferPointer { ids in
            inputs.tokenTypeIDs.withUnsafeBufferPointer { types in
                embeddings.forward(ids: ids.baseAddress!, types: types.baseAddress!, batch: B, length: Tn, dropout: sites)
            }
        }
        inputs.attentionMask.withUnsafeBufferPointer { mask in
            encoder.forward(mask: mask.baseAddress!, batch: B, length: Tn, dropout: sites)
        }
        let top = encoder.xs[L]

        // Pair head on [CLS] (rows with a pair label).
        if NP > 0 {
            for k in 0..<NP { (clsRows + k * H).update(from: top + pairRows[k] * Tn * H, count: H) }
            Linear.forward(out: pooledPre, inp: clsRows, weight: w(names.poolerWeight), bias: w(names.poolerBias), rows: NP, inputs: H, outputs: H)
            for i in 0..<(NP * H) { pooled[i] = T.tanh(pooledPre[i]) }
            Linear.forward(out: pairLogits, inp: pooled, weight: w(names.pairWeight), bias: w(names.pairBias), rows: NP, inputs: H, outputs: 2)
            step.pairLoss = Double(CrossEntropy.forward(probs: pairProbs, logits: pairLogits, targets: pairTargets, rows: NP, classes: 2))
            for k in 0..<NP where (pairLogits[2 * k + 1] > pairLogits[2 * k] ? 1 : 0) == pairTargets[k] { step.pairCorrect += 1 }
        }
        // Masked-LM head at the labelled positions only.
        (step.mlmLoss, step.mlmCorrect) = mlmHead.forward(top: top, rows: maskedRows, targets: maskedTargets, count: P)
        step.loss = step.mlmLoss + step.pairLoss
        last = step
        return step
    }

    /// Backward pass of the last `forward` (same inputs): adds the gradients of `scale · loss`
    /// to `gradients` (scale = 1 / micro-batches when accumulating).
    @_specialize(exported: true, where T == Float)
    public func backward(_ inputs: Inputs, scale: Double = 1) {
        let s = last
        let B = s.batch, Tn = s.length, M = B * Tn, NP = s.pairs
        let sites = dropoutSites(s.dropoutKey)
        func w(_ n: String) -> UnsafeMutablePointer<T> { parameter(n) }
        func g(_ n: String) -> UnsafeMutablePointer<T> { gradient(n) }
        dX.update(repeating: 0, count: M * H)

        mlmHead.backward(dTop: dX, rows: maskedRows, targets: maskedTargets, count: s.predictions, scale: T(scale))
        if NP > 0 {
            CrossEntropy.backward(dlogits: dHeadA, probs: pairProbs, targets: pairTargets, rows: NP, classes: 2, weight: T(scale))
            Linear.backward(dinp: dHeadB, dweight: g(names.pairWeight), dbias: g(names.pairBias),
                            dout: dHeadA, inp: pooled, weight: w(names.pairWeight), rows: NP, inputs: H, outputs: 2)
            for i in 0..<(NP * H) { dHeadB[i] *= 1 - pooled[i] * pooled[i] }
            Linear.backward(dinp: dHeadA, dweight: g(names.poolerWeight), dbias: g(names.poolerBias),
                            dout: dHeadB, inp: clsRows, weight: w(names.poolerWeight), rows: NP, inputs: H, outputs: H)
            for k in 0..<NP {
                let dst = dX + pairRows[k] * Tn * H, src = dHeadA + k * H
                for j in 0..<H { dst[j] += src[j] }
            }
        }
        encoder.backward(dX: dX, batch: B, length: Tn, dropout: sites)
        inputs.inputIDs.withUnsafeBufferPointer { ids in
            inputs.tokenTypeIDs.withUnsafeBufferPointer { types in
                embeddings.backward(dOutput: dX, ids: ids.baseAddress!, types: types.baseAddress!, batch: B, length: Tn, dropout: sites)
            }
        }
    }
}
