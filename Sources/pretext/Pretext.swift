import ArgumentParser
import PretextCore

@main
struct Pretext: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretext",
        abstract: "Turn raw text into self-supervised pretraining shards, and check them.",
        discussion: """
            Shards are LZ4-compressed, checksummed, indexed files (docs/FORMAT.md) with a
            SQLite catalog (catalog.sqlite) beside them.

            Example:
              pretext pack corpora/en-sample.txt --output shards/sample
              pretext inspect shards/sample
              pretext verify shards/sample
            """,
        version: PretextVersion.current,
        subcommands: [Tokenize.self, Vocab.self, Build.self, Merge.self, Slurm.self, Stats.self, Batches.self, Train.self, Eval.self, Pack.self, Inspect.self, Verify.self, Report.self])

    static func main() {
        AllocatorTuning.apply()
        main(nil)
    }
}
