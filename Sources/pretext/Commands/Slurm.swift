import ArgumentParser
import Foundation
import PretextCore
import PretextPipeline
import PretextShards

/// `pretext slurm`: a build as Slurm job arrays — tokenize, label, merge — chained with
/// `afterok` dependencies.
struct Slurm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Submit a build to Slurm: a job array per phase (tokenize, label) and a merge job, chained with afterok.",
        discussion: """
            Writes three batch scripts into OUTPUT/slurm/ and submits them with sbatch: the
            tokenize array (--array=0-(N-1), one task of `pretext build --phase tokenize` per
            element), the label array (after every tokenize element succeeded), and the merge
            job (after every label element succeeded); prints the job ids. Each element runs
            `pretext build … --phase P --task $SLURM_ARRAY_TASK_ID --tasks N`, so a failed
            element is rerun by submitting the same command again: finished tasks return at
            once, the failed one resumes from its catalog, and nothing is done twice. The
            output folder, the pipeline, the inputs and this pretext binary must be on storage
            every node sees. Job logs go to OUTPUT/slurm/logs/. Before it submits, the
            tokenizer is compiled once into OUTPUT/store/tokenizer.image, so no element parses
            the tokenizer file itself.

            Examples:
              pretext slurm pipelines/bert-nsp.toml --tasks 64 --output /shared/nsp --partition cpu --time 1:00:00 --cpus-per-task 4
              pretext slurm pipelines/bert-nsp.toml --tasks 64 --output /shared/nsp --dry-run
              pretext slurm pipelines/gpt-causal.toml --tasks 8 --output /shared/gpt --wait
            """)

    @Argument(help: "Pipeline file (TOML), e.g. pipelines/bert-nsp.toml.")
    var pipeline: String

    @Option(help: "Output folder, on shared storage (replaces output.path; required), e.g. --output /shared/pretext/wiki.")
    var output: String

    @Option(help: "Array elements per phase (e.g. --tasks 64).")
    var tasks: Int

    @Option(name: .customLong("input"), help: "Input file or folder (repeatable; replaces input.paths), e.g. --input /shared/corpora/wiki.")
    var inputs: [String] = []

    @Option(help: "tokenizer.json, vocab.txt or vocab.json (replaces tokenizer.path), e.g. --tokenizer /shared/vocab/tokenizer.json.")
    var tokenizer: String?

    @Option(name: .customLong("set"), help: "Override a pipeline key: --set task.max_seq_length=256 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Slurm partition (sbatch --partition), e.g. --partition cpu.")
    var partition: String?

    @Option(help: "Time limit per element (sbatch --time), e.g. --time 2:00:00.")
    var time: String?

    @Option(help: "CPUs per element (sbatch --cpus-per-task); also the build's --threads. E.g. --cpus-per-task 4.")
    var cpusPerTask: Int = 1

    @Option(help: "Memory per element (sbatch --mem), e.g. --mem 4G.")
    var mem: String?

    @Option(help: "Extra sbatch option for every job (repeatable), e.g. --sbatch-option=--account=nlp.")
    var sbatchOption: [String] = []

    @Option(help: "The sbatch command (e.g. --sbatch /usr/bin/sbatch).")
    var sbatch: String = "sbatch"

    @Option(help: "The pretext binary the jobs run (default: this one), e.g. --pretext /shared/bin/pretext.")
    var pretext: String?

    @Flag(help: "Print the scripts and the sbatch commands; write and submit nothing (e.g. pretext slurm P.toml --tasks 4 --output DIR --dry-run).")
    var dryRun = false

    @Flag(help: "Wait until the merge job has ended (sbatch --wait); exit non-zero if any job failed (e.g. in a script: pretext slurm … --wait && pretext stats DIR).")
    var wait = false

    func validate() throws {
        guard tasks >= 1 else { throw ValidationError("--tasks must be at least 1 (got \(tasks))") }
        guard cpusPerTask >= 1 && cpusPerTask <= 256 else { throw ValidationError("--cpus-per-task must be in 1...256") }
    }

    func run() throws {
        // Refuse a broken pipeline or flag here, not in 64 jobs later.
        let config = try Build.loadConfig(pipeline: pipeline, overrides: overrides, inputs: inputs, output: output, tokenizer: tokenizer)
        let workingDirectory = FileManager.default.currentDirectoryPath
        func absolute(_ path: String) -> String { path.hasPrefix("/") ? path : workingDirectory + "/" + path }
        let binary = pretext.map(absolute) ?? Self.executablePath()
        let outputFolder = absolute(output)
        let scripts = SlurmScripts(pretext: binary, pipeline: absolute(pipeline), output: outputFolder, workingDirectory: workingDirectory,
                                   tasks: tasks, threads: cpusPerTask, buildFlags: buildFlags(),
                                   sbatchOptions: sbatchOptions())
        let folder = outputFolder + "/slurm"
        if dryRun {
            for phase in SlurmScripts.Phase.allCases {
                print("# \(folder)/\(phase.rawValue).sbatch — submitted as: \(scripts.submitCommand(phase, dependency: phase == .tokenize ? nil : "<\(phase.previous!.rawValue) job id>", sbatch: sbatch, wait: wait && phase == .merge).joined(separator: " "))")
                print(scripts.text(phase))
            }
            return
        }
        try PosixFile.makeDirectories(folder + "/logs")
        // Once here instead of in every tokenize element (BuildTokenizer).
        try BuildTokenizer.prepare(config) { FileHandle.standardError.write(Data("pretext slurm: \($0)\n".utf8)) }
        var previous: String?
        for phase in SlurmScripts.Phase.allCases {
            let path = folder + "/" + phase.rawValue + ".sbatch"
            try PosixFile.writeAtomically(Array(scripts.text(phase).utf8), to: path)
            let command = scripts.submitCommand(phase, dependency: previous, sbatch: sbatch, wait: wait && phase == .merge)
            let id = try Self.submit(command, script: path)
            let note = phase == .merge ? (previous.map { " (after job \($0))" } ?? "") : (phase == .tokenize ? " (array 0-\(tasks - 1))" : " (array 0-\(tasks - 1), after job \(previous!))")
            print("\(phase.rawValue): job \(id)\(note)")
            previous = id
        }
        guard wait else {
            print("logs: \(folder)/logs; when the merge job has finished: pretext stats \(outputFolder)")
            return
        }
        // sbatch --wait returns 0 for a job cancelled because a job it depends on failed, so
        // the build's own record decides: a finished catalog, or the failure is reported.
        let finished = PosixFile.exists(outputFolder + "/" + Catalog.fileName)
            && (try? Catalog(folder: outputFolder).runs().last?.status == .finished) == true
        guard finished else {
            throw ValidationError("the build did not finish: a task failed, so the jobs after it were cancelled (logs: \(folder)/logs). Fix the cause and submit the same command again: finished tasks are skipped")
        }
        print("finished: pretext stats \(outputFolder)")
    }

    /// The build flags every element passes on (the pipeline's overrides).
    func buildFlags() -> [String] {
        var flags: [String] = []
        for input in inputs { flags += ["--input", input] }
        if let tokenizer { flags += ["--tokenizer", tokenizer] }
        for item in overrides { flags += ["--set", item] }
        return flags
    }

    func sbatchOptions() -> [String] {
        var options = ["--cpus-per-task=\(cpusPerTask)"]
        if let partition { options.append("--partition=\(partition)") }
        if let time { options.append("--time=\(time)") }
        if let mem { options.append("--mem=\(mem)") }
        return options + sbatchOption
    }

    /// This process's executable (`/proc/self/exe`), so the jobs run the same pretext.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs `command` (sbatch … --parsable); returns the job id it printed.
    static func submit(_ command: [String], script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch {
            throw ValidationError("cannot run \(command[0]): \(error) (is Slurm's sbatch installed and on PATH?)")
        }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let printed = String(decoding: stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let id = printed.split(separator: "\n").first.map { String($0.split(separator: ";")[0]) } ?? ""
        guard process.terminationStatus == 0 else {
            let message = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let waitNote = command.contains("--wait") && !id.isEmpty ? "job \(id) " : ""
            throw ValidationError("\(command.joined(separator: " ")) failed (exit \(process.terminationStatus)): \(waitNote)\(message)")
        }
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw ValidationError("sbatch printed no job id for \(script): \(printed)")
        }
        return id
    }
}

/// The batch scripts of a build's three jobs.
struct SlurmScripts {
    enum Phase: String, CaseIterable {
        case tokenize, label, merge
        var previous: Phase? { self == .label ? .tokenize : self == .merge ? .label : nil }
    }

    let pretext: String
    let pipeline: String
    let output: String
    let workingDirectory: String
    let tasks: Int
    let threads: Int
    let buildFlags: [String]
    let sbatchOptions: [String]

    /// A word for a bash script: single-quoted unless plainly safe.
    static func quote(_ s: String) -> String {
        let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "/._-=:,+@%".contains($0) }
        return safe && !s.isEmpty ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    func text(_ phase: Phase) -> String {
        var lines = ["#!/bin/bash", "# pretext build, \(phase.rawValue) phase — written by `pretext slurm`; resubmitting the same command resumes."]
        lines.append("#SBATCH --job-name=pretext-\(phase.rawValue)")
        if phase != .merge { lines.append("#SBATCH --array=0-\(tasks - 1)") }
        let log = output + "/slurm/logs/" + phase.rawValue + (phase == .merge ? "-%j.out" : "-%A_%a.out")
        lines.append("#SBATCH --output=\(log)")
        lines.append("#SBATCH --ntasks=1")
        for option in sbatchOptions where !(phase == .merge && option.hasPrefix("--cpus-per-task=")) {
            lines.append("#SBATCH \(option)")
        }
        if phase == .merge { lines.append("#SBATCH --cpus-per-task=1") }
        lines += ["set -euo pipefail", "cd \(Self.quote(workingDirectory))"]
        var command = [pretext, "build", pipeline, "--output", output, "--phase", phase.rawValue]
        switch phase {
        case .tokenize, .label: command += ["--task", "\"$SLURM_ARRAY_TASK_ID\"", "--tasks", String(tasks), "--threads", String(threads)]
        case .merge: break
        }
        command += buildFlags
        lines.append("exec " + command.map { $0.hasPrefix("\"$") ? $0 : Self.quote($0) }.joined(separator: " "))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The sbatch command line for `phase`'s script (`--parsable`: it prints the job id).
    func submitCommand(_ phase: Phase, dependency: String?, sbatch: String, wait: Bool) -> [String] {
        var command = [sbatch, "--parsable"]
        if let dependency { command += ["--dependency=afterok:\(dependency)", "--kill-on-invalid-dep=yes"] }
        if wait { command.append("--wait") }
        return command + [output + "/slurm/" + phase.rawValue + ".sbatch"]
    }
}
