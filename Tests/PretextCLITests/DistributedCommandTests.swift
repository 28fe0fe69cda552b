import Foundation
import Testing
import PretextTestSupport

/// `pretext slurm --dry-run` and the task defaults from Slurm's environment, without a cluster
/// (scripts/distributed-tests.sh runs the real one).
@Suite struct DistributedCommandTests {
    @Test func slurmDryRunPrintsThreeChainedScriptsAndWritesNothing() throws {
        let out = CLI.temporaryFolder() + "-slurm"
        let run = try CLI.run(["slurm", "pipelines/bert-nsp.toml", "--tasks", "4", "--output", out, "--partition", "cpu",
                               "--time", "1:00:00", "--cpus-per-task", "2", "--set", "output.seed=7", "--dry-run"])
        #expect(run.status == 0, "\(run.output)")
        let text = run.output
        #expect(text.components(separatedBy: "#SBATCH --array=0-3").count == 3, "two arrays")
        #expect(text.contains("--dependency=afterok:<tokenize job id> --kill-on-invalid-dep=yes"))
        #expect(text.contains("--dependency=afterok:<label job id>"))
        #expect(text.contains("#SBATCH --partition=cpu") && text.contains("#SBATCH --time=1:00:00"))
        #expect(text.contains("--phase tokenize --task \"$SLURM_ARRAY_TASK_ID\" --tasks 4 --threads 2 --set output.seed=7"))
        #expect(text.contains("--phase merge --set output.seed=7"))
        #expect(!FileManager.default.fileExists(atPath: out), "a dry run writes nothing")
    }

    @Test func taskAndTasksComeFromSlurmsArrayVariables() throws {
        let out = CLI.temporaryFolder() + "-env"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLI.binary)
        process.arguments = ["build", "pipelines/bert-nsp.toml", "--output", out, "--phase", "tokenize", "--set", "output.unit_bytes=262144"]
        process.currentDirectoryURL = URL(fileURLWithPath: CLI.packageRoot)
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_ARRAY_TASK_ID"] = "5"
        environment["SLURM_ARRAY_TASK_MIN"] = "4"
        environment["SLURM_ARRAY_TASK_COUNT"] = "3"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("task 1 of 3: tokenized"), "\(output)")
        #expect(FileManager.default.fileExists(atPath: out + "/tasks/tokenize-00001-of-00003.done"))
    }
}
