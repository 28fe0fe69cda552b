import Foundation
import Testing
import PretextTestSupport
import PretextShards

/// Runs the real `pretext` executable built beside the tests.
struct CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let binary = packageRoot + "/.build/debug/pretext"

    struct Result { let status: Int32; let output: String }

    /// Runs the binary in `directory` (default: the package root, where the pipelines' relative paths hold).
    static func run(_ arguments: [String], in directory: String = packageRoot) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw CLIMissing(path: binary)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    struct MeasuredResult { let status: Int32; let output: String; let peakRSSBytes: Int }

    /// Runs the binary as `run` does, and reports the child's own peak RSS (`wait4`'s
    /// `ru_maxrss`, which Foundation's `Process` does not expose). Output goes through a file.
    /// The child runs in the test's working directory: give it absolute paths.
    static func runMeasured(_ arguments: [String]) throws -> MeasuredResult {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw CLIMissing(path: binary) }
        let log = try TemporaryFolder.shared.folder(named: "measured") + "/output.log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, binary, &actions, nil, argv, environ)
        guard rc == 0 else { throw CLIMissing(path: binary + " (posix_spawn: \(rc))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let exit = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return MeasuredResult(status: exit, output: output, peakRSSBytes: usage.ru_maxrss * 1024)
    }

    struct CLIMissing: Error, CustomStringConvertible {
        let path: String
        var description: String { "\(path) is not built; run `swift build --build-tests` (make test does) first" }
    }

    /// A path for an output folder that does not exist yet.
    static func temporaryFolder() -> String {
        (try! TemporaryFolder.shared.folder(named: "cli")) + "/out"
    }
}

@Suite(.serialized) struct CommandLineTests {
    @Test func packInspectVerifyTheSampleCorpus() throws {
        let out = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let pack = try CLI.run(["pack", "corpora/ko-sample.txt", "--output", out, "--block-length", "64", "--shard-bytes", "20000"])
        #expect(pack.status == 0, "\(pack.output)")
        #expect(pack.output.contains("packed 1 input(s)"))

        let inspect = try CLI.run(["inspect", out])
        #expect(inspect.status == 0, "\(inspect.output)")
        #expect(inspect.output.contains("input 0: corpora/ko-sample.txt"))
        #expect(inspect.output.contains("schema: tokens: u16[], input_ordinal: u32, document_ordinal: u64"))
        let set = try ShardSet(folder: out)
        #expect(set.shards.count > 1, "expected roll-over into several shards")
        #expect(inspect.output.contains("total: \(set.shards.count) shard(s), \(set.recordCount) records"))

        let record = try CLI.run(["inspect", out, "--record", "1", "--vocab", out + "/vocab.txt"])
        #expect(record.status == 0, "\(record.output)")
        #expect(record.output.contains("length: 64"))
        #expect(record.output.contains("tokens: "))

        let file = try CLI.run(["inspect", set.path(ofShard: 0)])
        #expect(file.output.contains("codec lz4Block, filter none, vocabulary 261"))

        let verify = try CLI.run(["verify", out])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.hasPrefix("OK"))

        // A second pack into the same folder is refused without --overwrite.
        let again = try CLI.run(["pack", "corpora/ko-sample.txt", "--output", out])
        #expect(again.status != 0)
        #expect(again.output.contains("--overwrite"))
    }

    @Test func verifyFailsWithFileBlockAndOffsetOnCorruption() throws {
        let out = CLI.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        #expect(try CLI.run(["pack", "corpora/ko-sample.txt", "--output", out]).status == 0)
        let set = try ShardSet(folder: out)
        let path = set.path(ofShard: 0)
        let reader = try ShardReader(path: path)
        let block = reader.index[reader.blockCount - 1]
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[Int(block.offset) + 10] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let verify = try CLI.run(["verify", out])
        #expect(verify.status == 1, "\(verify.output)")
        #expect(verify.output.contains("FAIL \(path): block \(reader.blockCount - 1) at byte \(block.offset): checksum mismatch"))
        #expect(verify.output.contains("file checksum"))
    }

    @Test func errorsNameThePath() throws {
        let missing = try CLI.run(["inspect", "/nonexistent/pretext/shard.ptxs"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("/nonexistent/pretext/shard.ptxs"))
        let noCatalog = try CLI.run(["verify", NSTemporaryDirectory()])
        #expect(noCatalog.status != 0)
        #expect(noCatalog.output.contains("catalog.sqlite"))
        let badInput = try CLI.run(["pack", "/nonexistent/corpus.txt", "--output", CLI.temporaryFolder()])
        #expect(badInput.status != 0)
        #expect(badInput.output.contains("/nonexistent/corpus.txt"))
    }

    @Test(arguments: ["tokenize", "build", "merge", "stats", "batches", "train", "eval", "pack", "inspect", "verify"])
    func everyCommandHasHelpWithAnExample(_ command: String) throws {
        let help = try CLI.run([command, "--help"])
        #expect(help.status == 0)
        #expect(help.output.contains("Example"))
        #expect(help.output.contains("pretext \(command)"))
    }
}
