import ArgumentParser
import PretextCore
import PretextText
import PretextLoader
import PretextShards

/// `pretext batches`: print the batches the loader yields, for inspection.
struct Batches: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batches",
        abstract: "Print the batches the dataloader yields from a shard folder (shuffled, masked, padded).",
        discussion: """
            Each batch is a pure function of (folder, options, epoch, batch number): the same
            command prints the same batches. Dynamic masks come from masking.json (seed, sample,
            epoch); statically masked shards show their stored masks. Labels are -100 where
            there is no prediction.

            Examples:
              pretext batches shards/roberta-full-sentences --count 2 --vocab pipelines/vocab/bpe-8k/tokenizer.json
              pretext batches shards/bert-nsp --epoch 1 --batch-size 4 --json
              pretext batches shards/bert-nsp --rank 1 --world-size 2 --bin 16
              pretext batches shards/bert-nsp --worker-index 1 --worker-count 2 --json
              pretext batches shards/bert-nsp --count 3 --save-state state.json
              pretext batches shards/bert-nsp --resume state.json --count 2

            --resume and --save-state walk the loader as a trainer does (ShardLoader.next()):
            --resume continues from a saved loader state (from a previous --save-state, a
            training checkpoint's loader state, or the Python PretextLoader's state_dict() as
            JSON), --save-state writes the state after the batches printed. Without --resume
            the walk starts at epoch 0, batch 0 (--epoch and --first do not apply).
            """)

    @Argument(help: "A shard folder (with catalog.sqlite).")
    var folder: String

    @Option(help: "Epoch to show.")
    var epoch: UInt64 = 0

    @Option(help: "First batch number to show (this rank's numbering).")
    var first = 0

    @Option(help: "Number of batches to show.")
    var count = 1

    @Option(help: "Sequences per batch.")
    var batchSize = 32

    @Option(help: "Pad each batch to a multiple of this length.")
    var padToMultipleOf = 1

    @Option(help: "Data-parallel rank.")
    var rank = 0

    @Option(help: "Data-parallel world size.")
    var worldSize = 1

    @Option(help: "Loader worker index inside the rank (worker k of K yields the rank's batches k, k + K, …).")
    var workerIndex = 0

    @Option(help: "Loader workers inside the rank.")
    var workerCount = 1

    @Option(name: .customLong("bin"), help: "Length binning window in batches (0 = off).")
    var binningBatches = 0

    @Option(help: "Seed (default: the build's seed).")
    var seed: UInt64?

    @Flag(help: "Keep storage order (no shuffle).")
    var noShuffle = false

    @Option(help: "Print token strings, decoded with this vocab.txt or tokenizer.json (the build's tokenizer).")
    var vocab: String?

    @Flag(help: "One JSON object per sample: epoch, batch, index, input_ids, token_type_ids, labels, pair_label.")
    var json = false

    @Option(help: "Continue from the loader state in this JSON file (then print the next --count batches).")
    var resume: String?

    @Option(help: "After printing, write the loader state (JSON) to this file.")
    var saveState: String?

    func validate() throws {
        if (resume != nil || saveState != nil) && (epoch != 0 || first != 0) {
            throw ValidationError("--epoch and --first do not apply with --resume or --save-state: the walk starts at the saved state (or at epoch 0, batch 0)")
        }
        guard count >= 0 else { throw ValidationError("--count must not be negative") }
    }

    func run() throws {
        var options = LoaderOptions()
        options.batchSize = batchSize
        options.padToMultipleOf = padToMultipleOf
        options.rank = rank
        options.worldSize = worldSize
        options.workerIndex = workerIndex
        options.workerCount = workerCount
        options.binningBatches = binningBatches
        options.seed = seed
        options.shuffle = !noShuffle
        options.prefetchThreads = 0
        let loader = try ShardLoader(folder: folder, options: options)
        let names = try vocab.map(decodingVocabulary)
        let walks = resume != nil || saveState != nil
        if let resume {
            let text = try String(decoding: PosixFile(path: resume, mode: .readOnly).readAll(), as: UTF8.self)
            try loader.restore(LoaderState(json: text))
        }
        for n in first..<(first + count) {
            let batch = walks ? try loader.next() : try loader.batch(epoch: epoch, number: n)
            if !json { print("epoch \(batch.epoch) batch \(batch.number): \(batch.rows) × \(batch.length)") }
            for r in 0..<batch.rows {
                let real = batch.row(batch.attentionMask, r).reduce(0) { $0 + Int($1) }
                let ids = Array(batch.row(batch.inputIDs, r).prefix(real))
                let types = Array(batch.row(batch.tokenTypeIDs, r).prefix(real))
                let labels = Array(batch.row(batch.labels, r).prefix(real))
                if json {
                    print("{\"epoch\": \(batch.epoch), \"batch\": \(batch.number), \"index\": \(batch.sampleIndices[r]), \"input_ids\": \(ids), "
                          + "\"token_type_ids\": \(types), \"labels\": \(labels), \"pair_label\": \(batch.pairLabels[r])}")
                    continue
                }
                let text: String
                if let names {
                    text = zip(ids, labels).map { id, label in
                        label == Batch.ignoreIndex ? names.token(UInt32(id)) : "\(names.token(UInt32(id)))→\(names.token(UInt32(label)))"
                    }.joined(separator: " ")
                } else {
                    text = zip(ids, labels).map { id, label in label == Batch.ignoreIndex ? "\(id)" : "\(id)→\(label)" }.joined(separator: " ")
                }
                let pair = batch.pairLabels[r] == Batch.ignoreIndex ? "" : " pair \(batch.pairLabels[r])"
                print("  [\(batch.sampleIndices[r])]\(pair) \(text)")
            }
        }
        if let saveState {
            let file = try PosixFile(path: saveState, mode: .createTruncate)
            try file.writeAll(Array((loader.state().json + "\n").utf8))
            try file.close()
        }
    }
}
