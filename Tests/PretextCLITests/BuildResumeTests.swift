import Foundation
import Testing
import PretextCore
import PretextShards
import PretextTestSupport

/// kill -9 the real `pretext build` at random moments, rerun the same command until it
/// finishes, and compare with an uninterrupted build: same shard bytes, same catalog content.
@Suite(.serialized) struct BuildResumeTests {
    /// The first 200 documents of the English sample, shared by every build of this suite.
    static let corpus: String = {
        let en = try! String(contentsOfFile: CLI.packageRoot + "/corpora/en-sample.txt", encoding: .utf8)
        return try! TemporaryFolder.shared.file(named: "resume-corpus.txt", text: en.components(separatedBy: "\n\n").prefix(200).joined(separator: "\n\n"))
    }()

    static func pipeline(output: String) throws -> String {
        let corpus = Self.corpus
        return try TemporaryFolder.shared.file(named: "resume.toml", text: """
            [input]
            paths = ["\(corpus)"]
            [tokenizer]
            path = "\(CLI.packageRoot)/Tests/PretextTextTests/Fixtures/wordpiece-2k.tokenizer.json"
            [task]
            kind = "nsp"
            [masking]
            dupe_factor = 3
            strategy = "whole-word"
            [output]
            path = "\(output)"
            unit_bytes = 16384
            shard_bytes = 65536
            seed = 99
            """)
    }

    static func snapshot(_ folder: String) throws -> ([String: Data], String) {
        var files: [String: Data] = [:]
        for name in try PosixFile.listDirectory(folder) where name.hasSuffix(".ptxs") || name.hasSuffix(".partial") {
            files[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
        }
        return (files, try Catalog(folder: folder).contentText())
    }

    /// `folder` holds exactly `expected`'s shards (no partial files) and catalog content, and verifies.
    static func expectSame(_ folder: String, as expected: ([String: Data], String)) throws {
        let resumed = try snapshot(folder)
        #expect(resumed.0.keys.sorted() == expected.0.keys.sorted(), "no partial files may remain")
        for (name, data) in expected.0 { #expect(resumed.0[name] == data, "\(name) differs after resume") }
        #expect(resumed.1 == expected.1)
        let verify = try CLI.run(["verify", folder])
        #expect(verify.status == 0, "\(verify.output)")
    }

    /// Starts `pretext arguments…`, sends SIGKILL after `afterMicroseconds` if it still runs;
    /// returns whether it was killed.
    static func runAndKill(_ arguments: [String], afterMicroseconds: Int) throws -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(UInt32(afterMicroseconds))
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return killed
    }

    @Test func killedBuildsResumeToTheSameBytes() throws {
        let reference = CLI.temporaryFolder()
        let started = Date()
        let done = try CLI.run(["build", try Self.pipeline(output: reference), "--threads", "2"])
        // Kills land anywhere in the time an uninterrupted build takes (start-up included).
        let buildMicroseconds = max(40_000, Int(Date().timeIntervalSince(started) * 1e6))
        #expect(done.status == 0, "\(done.output)")
        let expected = try Self.snapshot(reference)
        #expect(expected.0.count > 5)

        let folder = CLI.temporaryFolder()
        let file = try Self.pipeline(output: folder)
        var random = KeyedRandom(seed: 2024, purpose: .testData, index: 0)
        var kills = 0
        for attempt in 0..<16 {
            if try Self.runAndKill(["build", file, "--threads", attempt % 2 == 0 ? "1" : "2"], afterMicroseconds: 5_000 + random.below(buildMicroseconds * 3 / 4)) {
                kills += 1
            }
        }
        let finish = try CLI.run(["build", file])
        #expect(finish.status == 0, "\(finish.output)")
        #expect(kills >= 3, "the build finished too fast to be interrupted")
        try Self.expectSame(folder, as: expected)
        let again = try CLI.run(["build", file])
        #expect(again.output.contains("nothing to do"))
    }

    /// A build split over three tasks, where one task of each phase is killed mid-way and
    /// the same command is run again: the merged result equals the one-process build.
    @Test func aKilledTaskResubmittedGivesTheSameBytes() throws {
        let reference = CLI.temporaryFolder()
        let started = Date()
        let done = try CLI.run(["build", try Self.pipeline(output: reference)])
        // A task of one phase of three takes about a sixth of the whole build, start-up aside:
        // kills land within that time, so they interrupt the task however fast the build gets.
        let taskMicroseconds = max(4_000, Int(Date().timeIntervalSince(started) * 1e6 / 4))
        #expect(done.status == 0, "\(done.output)")
        let expected = try Self.snapshot(reference)

        let folder = CLI.temporaryFolder()
        let file = try Self.pipeline(output: folder)
        var random = KeyedRandom(seed: 77, purpose: .testData, index: 0)
        var kills = 0
        for phase in ["tokenize", "label"] {
            for task in 0..<3 {
                let arguments = ["build", file, "--phase", phase, "--task", String(task), "--tasks", "3"]
                if task == 1 {
                    // Killed a few times at random moments, then run to the end.
                    for _ in 0..<3 where try Self.runAndKill(arguments, afterMicroseconds: 1_000 + random.below(taskMicroseconds)) { kills += 1 }
                }
                let run = try CLI.run(arguments)
                #expect(run.status == 0, "\(run.output)")
            }
        }
        let merged = try CLI.run(["merge", folder])
        #expect(merged.status == 0, "\(merged.output)")
        #expect(kills >= 2, "the tasks finished too fast to be interrupted")
        try Self.expectSame(folder, as: expected)
    }

    @Test func badTaskArgumentsAreRefusedClearly() throws {
        let file = try Self.pipeline(output: CLI.temporaryFolder())
        let zero = try CLI.run(["build", file, "--phase", "tokenize", "--task", "0", "--tasks", "0"])
        #expect(zero.status != 0 && zero.output.contains("--tasks must be at least 1"), "\(zero.output)")
        let range = try CLI.run(["build", file, "--phase", "tokenize", "--task", "3", "--tasks", "3"])
        #expect(range.status != 0 && range.output.contains("out of range"), "\(range.output)")
        let phase = try CLI.run(["build", file, "--phase", "shuffle"])
        #expect(phase.status != 0 && phase.output.contains("--phase must be"), "\(phase.output)")
        let all = try CLI.run(["build", file, "--task", "0", "--tasks", "2"])
        #expect(all.status != 0 && all.output.contains("mpirun"), "\(all.output)")
    }
}
