import ArgumentParser
import Foundation
import PretextCore
import PretextPipeline

/// `pretext build`: a pipeline file → shards and catalog, in one process or split over tasks.
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build training shards from a pipeline file (read → split → tokenize → label → mask → write).",
        discussion: """
            The pipeline file (pipelines/*.toml) declares reader, splitter, tokenizer, task,
            lengths, masking, seed and shard size; flags override it. Output: shards
            (part-UUUUU-NNNNN.ptxs), the tokenized document store (store/), the tasks' files
            (tasks/) and catalog.sqlite.

            Phases: `tokenize` reads and tokenizes this task's units into the store; `label`
            (after every task has tokenized) labels and masks this task's units into shards,
            NSP/SOP negatives from the whole store; `merge` (one process, after every task has
            labeled) joins the tasks' catalogs, reading no shard byte. `all` (the default) runs
            the three; with --tasks > 1 only under mpirun, which gives every rank its task and
            meets between phases. Every task writes into the same --output folder (shared
            storage), only its own files.

            --task and --tasks default to Slurm's SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT
            (or SLURM_PROCID / SLURM_NTASKS under srun); under mpirun to the MPI rank and size.
            `pretext slurm` writes and submits the job arrays for you.

            Deterministic: the same pipeline and seed give the same bytes for any --threads and
            any --tasks. Resumable: rerun the same command after an interruption and it
            continues from the task's catalog; a finished build or task is not redone.

            Examples:
              pretext build pipelines/bert-nsp.toml
              pretext build pipelines/bert-nsp.toml --output shards/nsp-seed7 --set output.seed=7 --threads 2
              pretext build pipelines/bert-nsp.toml --phase tokenize --task 0 --tasks 4 --output /shared/nsp
              pretext build pipelines/bert-nsp.toml --phase label --task 0 --tasks 4 --output /shared/nsp
              pretext build pipelines/bert-nsp.toml --phase merge --output /shared/nsp
              mpirun -np 8 pretext build pipelines/bert-nsp.toml --output /shared/nsp
            """)

    @Argument(help: "Pipeline file (TOML), e.g. pipelines/bert-nsp.toml.")
    var pipeline: String

    @Option(name: .customLong("input"), help: "Input file or folder (repeatable; replaces input.paths), e.g. --input corpora/sample-en.")
    var inputs: [String] = []

    @Option(help: "Output folder (replaces output.path); shared by every task of a split build, e.g. --output shards/wiki.")
    var output: String?

    @Option(help: "tokenizer.json, vocab.txt or vocab.json (replaces tokenizer.path), e.g. --tokenizer vocab/tokenizer.json.")
    var tokenizer: String?

    @Option(name: .customLong("set"), help: "Override a key: --set task.max_seq_length=256 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Worker threads for tokenizing and labeling (reading and writing run beside them on one thread each), e.g. --threads 4.")
    var threads: Int = 1

    @Flag(inversion: .prefixedNo, help: "Keep each worker thread on one CPU (of those the process may use, round robin); --no-pin-threads turns it off.")
    var pinThreads = true

    @Option(help: "Which phase to run: tokenize, label, merge or all (e.g. --phase tokenize).")
    var phase: String = "all"

    @Option(help: "This task's index, 0-based (e.g. --task 3); default from Slurm or MPI, else 0.")
    var task: Int?

    @Option(help: "Number of tasks the tokenize and label phases are split over (e.g. --tasks 64); default from Slurm or MPI, else 1.")
    var tasks: Int?

    func validate() throws {
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be in 1...256") }
        guard BuildPhase(rawValue: phase) != nil else { throw ValidationError("--phase must be tokenize, label, merge or all (got \(phase))") }
        if let tasks { guard tasks >= 1 else { throw ValidationError("--tasks must be at least 1 (got \(tasks))") } }
        if let task { guard task >= 0 else { throw ValidationError("--task must be 0 or more (got \(task))") } }
        if let task, let tasks { guard task < tasks else { throw ValidationError("--task \(task) is out of range for --tasks \(tasks): use 0...\(tasks - 1)") } }
    }

    func run() throws {
        let config = try Self.loadConfig(pipeline: pipeline, overrides: overrides, inputs: inputs, output: output, tokenizer: tokenizer)
        let phase = BuildPhase(rawValue: phase)!
        let environment = ProcessInfo.processInfo.environment
        let mpi = try MPIBuildContext.startIfLaunched(environment: environment)
        defer { mpi?.finish() }
        let assigned: TaskEnvironment
        if let mpi {
            guard task == nil && tasks == nil || (task == mpi.rank && tasks == mpi.size) else {
                throw ValidationError("under mpirun the task is the MPI rank (\(mpi.rank) of \(mpi.size)); leave out --task and --tasks")
            }
            assigned = TaskEnvironment(task: mpi.rank, tasks: mpi.size, source: "MPI")
        } else {
            let fromEnvironment = TaskEnvironment(environment: environment)
            assigned = TaskEnvironment(task: task ?? fromEnvironment.task, tasks: tasks ?? fromEnvironment.tasks,
                                       source: task == nil && tasks == nil ? fromEnvironment.source : task != nil && tasks != nil ? "flags" : "flags and \(fromEnvironment.source)")
        }
        guard assigned.tasks >= 1, assigned.task >= 0, assigned.task < assigned.tasks else {
            throw ValidationError("task \(assigned.task) is out of range for \(assigned.tasks) tasks (from \(assigned.source))")
        }
        let progress = BuildProgress()
        let runner = BuildRunner(config: config, threads: threads, pinThreads: pinThreads, task: assigned.task, tasks: assigned.tasks,
                                 progress: progress) { progress.log($0) }
        let outcome = try runner.run(phase: phase, synchronize: mpi.map { context in { ok in try context.everyoneSucceeded(ok) } })
        let who = assigned.tasks > 1 ? "task \(assigned.task) of \(assigned.tasks): " : ""
        switch outcome {
        case .alreadyComplete:
            print("\(config.outputPath) already holds this finished build; nothing to do")
        case .built(let units, let shards, let resumed, let timings):
            progress.finish()
            let resumedNote = resumed > 0 ? " (\(resumed) units were already done)" : ""
            switch phase {
            case .tokenize:
                print("\(who)tokenized \(units) unit(s) into \(config.outputPath)/store\(resumedNote)")
            case .label:
                print("\(who)labeled \(units) unit(s) into \(config.outputPath): \(shards) shard file(s)\(resumedNote)")
            case .merge:
                print("merged the tasks of \(config.outputPath): \(shards) shard file(s); see `pretext stats \(config.outputPath)`")
            case .all:
                if assigned.task == 0 {
                    print("\(who)built \(units) unit(s) into \(config.outputPath): \(shards) shard file(s)\(resumedNote); see `pretext stats \(config.outputPath)`")
                } else {
                    print("\(who)labeled \(units) unit(s) into \(config.outputPath)\(resumedNote)")
                }
            }
            print("time: \(timings)")
        }
    }

    /// Reads the pipeline file and applies the flags.
    static func loadConfig(pipeline: String, overrides: [String], inputs: [String], output: String?, tokenizer: String?) throws -> PipelineConfig {
        var pairs: [(String, TOMLDocument.Value)] = []
        for item in overrides {
            guard let eq = item.firstIndex(of: "=") else { throw ValidationError("--set needs key=value, got \(item)") }
            pairs.append((String(item[..<eq]), try TOMLDocument.parseValue(String(item[item.index(after: eq)...]))))
        }
        if !inputs.isEmpty { pairs.append(("input.paths", .array(inputs.map { .string($0) }))) }
        if let output { pairs.append(("output.path", .string(output))) }
        if let tokenizer { pairs.append(("tokenizer.path", .string(tokenizer))) }
        let text: String
        do { text = try String(decoding: PosixFile(path: pipeline, mode: .readOnly).readAll(), as: UTF8.self) } catch {
            throw ValidationError("cannot read the pipeline file \(pipeline): \(error)")
        }
        do { return try PipelineConfig(text: text, overrides: pairs) } catch {
            throw ValidationError("\(pipeline): \(error)")
        }
    }
}
