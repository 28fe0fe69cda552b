import PretextLoader

/// A model from a checkpoint folder (config.json + model.safetensors, or ELECTRA's two model
/// folders), with buffers sized for a shard folder's sequences.
public enum CheckpointLoader {
    public static func model(folder: String, shards: String, batchSize: Int) throws -> TrainableModel {
        let config = try ModelConfig.load(folder + "/config.json")
        var options = LoaderOptions()
        options.batchSize = batchSize
        let loader = try ShardLoader(folder: shards, options: options)
        let perSequence = try Trainer.maxPredictionsPerSequence(shards: shards, length: loader.maxLength)
        let model = try TrainableModel(config: config, maxBatch: batchSize, maxLength: loader.maxLength, maxPredictions: batchSize * perSequence)
        try model.table.load(try TrainableModel.readWeights(folder: folder, config: config), into: model.parameters, source: folder)
        return model
    }
}
