import ArgumentParser
import PretextPipeline

/// `pretext merge`: the last step of a build split over tasks.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the tasks' catalogs of a split build into its catalog.sqlite (the last step after --phase label).",
        discussion: """
            Every task of the tokenize and label phases must have finished (tasks/*.done).
            Costs O(tasks + units + shards): catalog rows and one stat per shard; no shard byte
            is read or copied — every checksum was computed by the task that wrote the shard,
            and each file's size is checked against its row (--verify re-reads every byte).
            The merged catalog's content equals that of a one-process build.

            With --into, the shards and masking.json are hard-linked into another folder (copied,
            and said so, only across file systems), which gets the catalog.

            Examples:
              pretext merge /shared/nsp
              pretext merge /shared/nsp --into /shared/nsp-release --verify
            """)

    @Argument(help: "The build's output folder (the --output of its tasks), e.g. pretext merge shards/wiki.")
    var folder: String

    @Option(help: "Another folder to place the merged shard set in (hard links; e.g. --into shards/release).")
    var into: String?

    @Flag(help: "Re-read every shard and check its XXH64 against its catalog row (O(bytes)), e.g. pretext merge shards/wiki --verify.")
    var verify = false

    func run() throws {
        let result = try BuildMerger.merge(build: folder, into: into, verifyChecksums: verify)
        let target = into ?? folder
        if result.alreadyMerged {
            print("\(target) already holds the merged catalog: \(result.shards) shard file(s)")
            return
        }
        var note = ""
        if into != nil {
            note = result.copiedBytes > 0
                ? "; \(result.linkedFiles) file(s) hard-linked, \(result.copiedBytes) bytes copied (another file system)"
                : "; \(result.linkedFiles) file(s) hard-linked, no byte copied"
        }
        print("merged \(folder) into \(target): \(result.shards) shard file(s)\(note)\(verify ? ", every checksum re-read" : "")")
    }
}
