import ArgumentParser
import PretextShards

/// `pretext verify`: every checksum of a shard set, against the files and the catalog.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every block checksum and the catalog's per-shard checksums of a shard folder.",
        discussion: """
            Reads every shard listed in catalog.sqlite: whole-file XXH64, size, record and token
            counts against the catalog; header, index and footer checksums; every block's
            checksum, LZ4 data and record structure. Also reports shard files the catalog does
            not list and .partial leftovers. Exits 1 with one line per problem if anything is off.

            Example:
              pretext verify shards/sample
            """)

    @Argument(help: "A shard folder (the one holding catalog.sqlite).")
    var folder: String

    func run() throws {
        let report = try ShardSetVerifier.verify(folder: folder)
        for problem in report.problems { print("FAIL \(problem)") }
        let summary = "\(report.shardsChecked) shard(s), \(report.blocksChecked) block(s), \(report.recordsChecked) record(s), \(report.bytesChecked) bytes checked"
        if report.isClean {
            print("OK   \(folder): \(summary)")
        } else {
            print("\(report.problems.count) problem(s) in \(folder): \(summary)")
            throw ExitCode.failure
        }
    }
}
