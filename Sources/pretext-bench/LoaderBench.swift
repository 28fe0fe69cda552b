import PretextLoader

//   pretext-bench loader <folder> [--batch-size 32] [--batches N] [--prefetch-threads 0] [--repeat N]
//
// Pulls N batches from a ShardLoader (shuffled, dynamically masked, padded) and prints
// `loader sequences=… seconds=… seq_s=…` for the best of the repeats. With
// --prefetch-threads 0 every batch is built on the calling thread (one core).
func benchLoader(_ args: [String]) throws {
    guard let folder = args.first else { fail("usage: pretext-bench loader <folder> [--batch-size B] [--batches N] [--prefetch-threads T] [--repeat N]") }
    var options = LoaderOptions()
    options.batchSize = Int(option("--batch-size", args) ?? "32") ?? 32
    options.prefetchThreads = Int(option("--prefetch-threads", args) ?? "0") ?? 0
    let batches = Int(option("--batches", args) ?? "2000") ?? 2000
    let repeats = Int(option("--repeat", args) ?? "3") ?? 3
    var best = Double.infinity
    var sequences = 0, tokens = 0
    for _ in 0..<repeats {
        let loader = try ShardLoader(folder: folder, options: options)
        sequences = 0
        tokens = 0
        let start = now()
        for _ in 0..<batches {
            let b = try loader.next()
            sequences += b.rows
            tokens += b.rows * b.length
        }
        best = min(best, now() - start)
    }
    print("loader sequences=\(sequences) padded_tokens=\(tokens) seconds=\(best) seq_s=\(Double(sequences) / best)")
}
