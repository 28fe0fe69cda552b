import PretextLoader

/// Loss and accuracies of a model on a shard folder, without dropout: `batches` batches of the
/// loader's epoch 0 in storage order (the same samples and masks every time; ELECTRA's
/// generator samples keyed by the batch number, so also the same every time).
public enum Evaluator {
    public struct Result: Sendable {
        public var batches = 0, predictions = 0, pairs = 0
        public var loss = 0.0, mlmLoss = 0.0, pairLoss = 0.0
        public var mlmAccuracy = 0.0, pairAccuracy = 0.0
        /// ELECTRA's discriminator over every non-padding position (empty for other models).
        public var rtd = ReplacedTokenCounts()
    }

    public static func evaluate(model: TrainableModel, shards: String, batchSize: Int, batches: Int) throws -> Result {
        var options = LoaderOptions()
        options.batchSize = min(batchSize, model.maxBatch)
        options.shuffle = false
        options.prefetchThreads = 1
        let loader = try ShardLoader(folder: shards, options: options)
        var r = Result()
        var mlmCorrect = 0, pairCorrect = 0
        for k in 0..<min(batches, loader.batchesPerEpoch) {
            let b = try loader.next()
            var inputs = ModelInputs(batch: b.rows, length: b.length, inputIDs: b.inputIDs, tokenTypeIDs: b.tokenTypeIDs,
                                     attentionMask: b.attentionMask, labels: b.labels, pairLabels: b.pairLabels)
            inputs.sampleKey = UInt64(k)
            let s = try model.forward(inputs, dropoutKey: nil)
            r.rtd = r.rtd.adding(s.rtd)
            r.batches += 1
            r.mlmLoss += s.mlmLoss * Double(s.predictions)
            r.pairLoss += s.pairLoss * Double(s.pairs)
            r.predictions += s.predictions
            r.pairs += s.pairs
            mlmCorrect += s.mlmCorrect
            pairCorrect += s.pairCorrect
        }
        if r.predictions > 0 { r.mlmLoss /= Double(r.predictions); r.mlmAccuracy = Double(mlmCorrect) / Double(r.predictions) }
        if r.pairs > 0 { r.pairLoss /= Double(r.pairs); r.pairAccuracy = Double(pairCorrect) / Double(r.pairs) }
        r.loss = r.mlmLoss + r.pairLoss + (model.config.modelType == "electra" ? (model.config.discWeight ?? ModelConfig.electraDiscWeight) * r.rtd.loss : 0)
        return r
    }
}
