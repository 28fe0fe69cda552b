import PretextCore

extension BertModel {

    /// Forward pass and loss for `inputs`. `dropoutKey` (a step counter) switches dropout on;
    /// nil = evaluation (no dropout). Returns the step's losses and accuracies.
    @_specialize(exported: true, where T == Float)
    @discardableResult
    public func forward(_ inputs: Inputs, dropoutKey: UInt64? = nil) throws -> Step {
        let B = inputs.batch, Tn = inputs.length, M = B * Tn
        try inputs.checkShape(maxBatch: maxBatch, maxLength: maxLength, pairs: true)
        var step = Step()
        step.batch = B; step.length = Tn; step.dropoutKey = dropoutKey
        // Labelled positions and pair rows.
        let P = try inputs.gatherLabels(rows: maskedRows, targets: maskedTargets, limit: maxPredictions, vocabulary: V)
        var NP = 0
        for b in 0..<B where inputs.pairLabels[b] >= 0 { pairRows[NP] = b; pairTargets[NP] = inputs.pairLabels[b]; NP += 1 }
        step.predictions = P; step.pairs = NP
        let pDrop = dropoutKey == nil ? 0 : config.hiddenDropoutProb
        let eps = T(config.layerNormEps)
        func w(_ n: String) -> UnsafeMutablePointer<T> { parameter(n) }

        try inputs.inputIDs.withUnsafeBufferPointer { ids in
            try inputs.tokenTypeIDs.withUnsafeBufferPointer { types in
                try inputs.attentionMask.withUnsafeBufferPointer { mask in
                    // Embeddings.
                    for id in ids where id < 0 || Int(id) >= V { throw ShapeError(message: "token id \(id) outside the vocabulary of \(V)") }
                    for tt in types where tt < 0 || Int(tt) >= config.typeVocabSize { throw ShapeError(message: "token type \(tt) outside 0..<\(config.typeVocabSize)") }
                    // Width E (= H for BERT; ALBERT's factorized embeddings are projected to H).
                    Embedding.forward(out: embSum, table: w(names.word), ids: ids.baseAddress!, rows: M, channels: E, vocabulary: V, accumulate: false)
                    for b in 0..<B {
                        Embedding.forward(out: embSum + b * Tn * E, table: w(names.position), ids: positionIDs, rows: Tn, channels: E,
                                          vocabulary: config.maxPositionEmbeddings, accumulate: true)
                    }
                    Embedding.forward(out: embSum, table: w(names.tokenType), ids: types.baseAddress!, rows: M, channels: E,
                                      vocabulary: config.typeVocabSize, accumulate: true)
                    LayerNorm.forward(out: embOut, mean: embMean, rstd: embRstd, inp: embSum, weight: w(names.embeddingNormWeight),
                                      bias: w(names.embeddingNormBias), rows: M, channels: E, eps: eps, threads: threads)
                    if let key = dropoutKey { Dropout.apply(embOut, count: M * E, p: pDrop, seed: dropoutSeed, key: key, site: 0, threads: threads) }
                    if names.albert {
                        Linear.forward(out: xs[0], inp: embOut, weight: w(names.mappingWeight), bias: w(names.mappingBias), rows: M, inputs: E, outputs: H)
                    }

                    for l in 0..<L {
                        let ly = layerNames[l]
                        let x = xs[l]
                        Linear.forward(out: qkv[l], inp: x, weight: w(ly.qkvWeight), bias: w(ly.qkvBias),
                                       rows: M, inputs: H, outputs: 3 * H)
                        Attention.forward(out: ctx[l], probs: probs[l], qkv: qkv[l], mask: mask.baseAddress!, batch: B, length: Tn, hidden: H, heads: NH, causal: false,
                                          dropout: .forLayer(l, key: dropoutKey, config: config, seed: dropoutSeed), scratch: dAtt, threads: threads)
                        Linear.forward(out: res1[l], inp: ctx[l], weight: w(ly.attentionOutWeight), bias: w(ly.attentionOutBias),
                                       rows: M, inputs: H, outputs: H)
                        if let key = dropoutKey { Dropout.apply(res1[l], count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: UInt64(1 + 2 * l), threads: threads) }
                        threads.forRanges(M * H) { r in for i in r { res1[l][i] += x[i] } }
                        LayerNorm.forward(out: x1[l], mean: mean1[l], rstd: rstd1[l], inp: res1[l], weight: w(ly.attentionNormWeight),
                                          bias: w(ly.attentionNormBias), rows: M, channels: H, eps: eps, threads: threads)
                        Linear.forward(out: ffPre[l], inp: x1[l], weight: w(ly.ffnInWeight), bias: w(ly.ffnInBias),
                                       rows: M, inputs: H, outputs: I)
                        GELU.forward(out: ffAct[l], inp: ffPre[l], count: M * I, variant: config.activation, cache: ffGelu[l], threads: threads)
                        Linear.forward(out: res2[l], inp: ffAct[l], weight: w(ly.ffnOutWeight), bias: w(ly.ffnOutBias),
                                       rows: M, inputs: I, outputs: H)
                        if let key = dropoutKey { Dropout.apply(res2[l], count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: UInt64(2 + 2 * l), threads: threads) }
                        threads.forRanges(M * H) { r in for i in r { res2[l][i] += x1[l][i] } }
                        LayerNorm.forward(out: xs[l + 1], mean: mean2[l], rstd: rstd2[l], inp: res2[l], weight: w(ly.ffnNormWeight),
                                          bias: w(ly.ffnNormBias), rows: M, channels: H, eps: eps, threads: threads)
                    }
                }
            }
        }
        let top = xs[L]

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
        if P > 0 {
            for k in 0..<P { (gathered + k * H).update(from: top + maskedRows[k] * H, count: H) }
            Linear.forward(out: tPre, inp: gathered, weight: w(names.transformWeight), bias: w(names.transformBias),
                           rows: P, inputs: H, outputs: E)
            GELU.forward(out: tAct, inp: tPre, count: P * E, variant: config.activation, cache: tGelu, threads: threads)
            LayerNorm.forward(out: tOut, mean: tMean, rstd: tRstd, inp: tAct, weight: w(names.transformNormWeight),
                              bias: w(names.transformNormBias), rows: P, channels: E, eps: eps, threads: threads)
            Linear.forward(out: mlmLogits, inp: tOut, weight: w(names.word), bias: w(names.decoderBias),
                           rows: P, inputs: E, outputs: V)
            step.mlmLoss = Double(CrossEntropy.forward(probs: mlmProbs, logits: mlmLogits, targets: maskedTargets, rows: P, classes: V,
                                                       threads: threads, rowLosses: rowScratch))
            step.mlmCorrect = CrossEntropy.correctPredictions(logits: mlmLogits, targets: maskedTargets, rows: P, classes: V,
                                                              threads: threads, rowScratch: rowScratch)
        }
        step.loss = step.mlmLoss + step.pairLoss
        last = step
        return step
    }

    /// Backward pass of the last `forward` (same inputs): adds the gradients of `scale · loss`
    /// to `gradients` (scale = 1 / micro-batches when accumulating).
    @_specialize(exported: true, where T == Float)
    public func backward(_ inputs: Inputs, scale: Double = 1) {
        let s = last
        let B = s.batch, Tn = s.length, M = B * Tn, P = s.predictions, NP = s.pairs
        let pDrop = s.dropoutKey == nil ? 0 : config.hiddenDropoutProb
        func w(_ n: String) -> UnsafeMutablePointer<T> { parameter(n) }
        func g(_ n: String) -> UnsafeMutablePointer<T> { gradient(n) }
        let top = xs[L]
        dX.update(repeating: 0, count: M * H)

        if P > 0 {
            CrossEntropy.backward(dlogits: dLogits, probs: mlmProbs, targets: maskedTargets, rows: P, classes: V, weight: T(scale), threads: threads)
            Linear.backward(dinp: dHeadA, dweight: g(names.word), dbias: g(names.decoderBias),
                            dout: dLogits, inp: tOut, weight: w(names.word), rows: P, inputs: E, outputs: V)
            dHeadB.update(repeating: 0, count: P * E)
            LayerNorm.backward(dinp: dHeadB, dweight: g(names.transformNormWeight), dbias: g(names.transformNormBias),
                               dout: dHeadA, inp: tAct, weight: w(names.transformNormWeight), mean: tMean, rstd: tRstd, rows: P, channels: E, threads: threads)
            GELU.backward(dinp: dHeadA, dout: dHeadB, inp: tPre, count: P * E, variant: config.activation, cache: tGelu, threads: threads)
            Linear.backward(dinp: dHeadB, dweight: g(names.transformWeight), dbias: g(names.transformBias),
                            dout: dHeadA, inp: gathered, weight: w(names.transformWeight), rows: P, inputs: H, outputs: E)
            for k in 0..<P {
                let dst = dX + maskedRows[k] * H, src = dHeadB + k * H
                for j in 0..<H { dst[j] += src[j] }
            }
        }
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
        _ = top

        for l in stride(from: L - 1, through: 0, by: -1) {
            let ly = layerNames[l]
            // dX holds d(xs[l+1]).
            dRes.update(repeating: 0, count: M * H)
            LayerNorm.backward(dinp: dRes, dweight: g(ly.ffnNormWeight), dbias: g(ly.ffnNormBias),
                               dout: dX, inp: res2[l], weight: w(ly.ffnNormWeight), mean: mean2[l], rstd: rstd2[l], rows: M, channels: H, threads: threads)
            // res2 = dropout(ffOut) + x1: d(x1) starts as dRes; d(ffOut) = dRes through the same mask.
            dX.update(from: dRes, count: M * H)
            if let key = s.dropoutKey { Dropout.apply(dRes, count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: UInt64(2 + 2 * l), threads: threads) }
            Linear.backward(dinp: dFFa, dweight: g(ly.ffnOutWeight), dbias: g(ly.ffnOutBias),
                            dout: dRes, inp: ffAct[l], weight: w(ly.ffnOutWeight), rows: M, inputs: I, outputs: H)
            GELU.backward(dinp: dFFb, dout: dFFa, inp: ffPre[l], count: M * I, variant: config.activation, cache: ffGelu[l], threads: threads)
            Linear.backward(dinp: dX, dweight: g(ly.ffnInWeight), dbias: g(ly.ffnInBias),
                            dout: dFFb, inp: x1[l], weight: w(ly.ffnInWeight), rows: M, inputs: H, outputs: I, accumulate: true)
            // dX holds d(x1).
            dRes.update(repeating: 0, count: M * H)
            LayerNorm.backward(dinp: dRes, dweight: g(ly.attentionNormWeight), dbias: g(ly.attentionNormBias),
                               dout: dX, inp: res1[l], weight: w(ly.attentionNormWeight), mean: mean1[l], rstd: rstd1[l], rows: M, channels: H, threads: threads)
            dX.update(from: dRes, count: M * H)
            if let key = s.dropoutKey { Dropout.apply(dRes, count: M * H, p: pDrop, seed: dropoutSeed, key: key, site: UInt64(1 + 2 * l), threads: threads) }
            Linear.backward(dinp: dTmp, dweight: g(ly.attentionOutWeight), dbias: g(ly.attentionOutBias),
                            dout: dRes, inp: ctx[l], weight: w(ly.attentionOutWeight), rows: M, inputs: H, outputs: H)
            Attention.backward(dqkv: dQKV, scratch: dAtt, dout: dTmp, qkv: qkv[l], probs: probs[l], batch: B, length: Tn, hidden: H, heads: NH,
                               dropout: .forLayer(l, key: s.dropoutKey, config: config, seed: dropoutSeed), threads: threads)
            Linear.backward(dinp: dX, dweight: g(ly.qkvWeight), dbias: g(ly.qkvBias),
                            dout: dQKV, inp: xs[l], weight: w(ly.qkvWeight), rows: M, inputs: H, outputs: 3 * H, accumulate: true)
            // dX holds d(xs[l]).
        }
        // Embeddings (width E; ALBERT first back through its E → H projection, into dTmp).
        var dEmb = dX
        if names.albert {
            Linear.backward(dinp: dTmp, dweight: g(names.mappingWeight), dbias: g(names.mappingBias), dout: dX, inp: embOut,
                            weight: w(names.mappingWeight), rows: M, inputs: E, outputs: H)
            dEmb = dTmp
        }
        if let key = s.dropoutKey { Dropout.apply(dEmb, count: M * E, p: pDrop, seed: dropoutSeed, key: key, site: 0, threads: threads) }
        dRes.update(repeating: 0, count: M * E)
        LayerNorm.backward(dinp: dRes, dweight: g(names.embeddingNormWeight), dbias: g(names.embeddingNormBias),
                           dout: dEmb, inp: embSum, weight: w(names.embeddingNormWeight), mean: embMean, rstd: embRstd, rows: M, channels: E, threads: threads)
        inputs.inputIDs.withUnsafeBufferPointer { ids in
            Embedding.backward(dtable: g(names.word), dout: dRes, ids: ids.baseAddress!, rows: M, channels: E)
        }
        for b in 0..<B {
            Embedding.backward(dtable: g(names.position), dout: dRes + b * Tn * E, ids: positionIDs, rows: Tn, channels: E)
        }
        inputs.tokenTypeIDs.withUnsafeBufferPointer { types in
            Embedding.backward(dtable: g(names.tokenType), dout: dRes, ids: types.baseAddress!, rows: M, channels: E)
        }
    }
}
