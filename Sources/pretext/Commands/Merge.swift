import ArgumentParser
import PretextPipeline

/// `pretext merge`: the folders of a build split over tasks → one shard folder.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the output folders of `pretext build --task i --tasks n` into one shard folder.",
        discussion: """
            Every folder must hold a finished build of the same pipeline and seed. The merged
            folder's shards and catalog content equal those of a single run of the whole build.

            Example:
              pretext merge shards/nsp shards/nsp-0 shards/nsp-1 shards/nsp-2
            """)

    @Argument(help: "The new, merged folder.")
    var output: String

    @Argument(help: "The task folders.")
    var folders: [String]

    func run() throws {
        let shards = try BuildMerger.merge(into: output, from: folders)
        print("merged \(folders.count) folder(s) into \(output): \(shards) shard file(s)")
    }
}
