import ArgumentParser
import PretextCore
import PretextPipeline

/// `pretext build`: a pipeline file → shards and catalog.
struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build training shards from a pipeline file (read → split → tokenize → label → mask → write).",
        discussion: """
            The pipeline file (pipelines/*.toml) declares reader, splitter, tokenizer, task,
            lengths, masking, seed and shard size; flags override it. Output: shards
            (part-UUUUU-NNNNN.ptxs), the tokenized document store (store/) and catalog.sqlite.

            Deterministic: the same pipeline and seed give the same bytes for any --threads, and
            --task i --tasks n runs joined by `pretext merge` equal one run. Resumable: rerun the
            same command after an interruption and it continues from the catalog; a finished
            build is not redone.

            Examples:
              pretext build pipelines/bert-nsp.toml
              pretext build pipelines/bert-nsp.toml --output shards/nsp-seed7 --set output.seed=7 --threads 2
              pretext build pipelines/roberta-full-sentences.toml --task 0 --tasks 3 --output shards/rfs-0
            """)

    @Argument(help: "Pipeline file (TOML).")
    var pipeline: String

    @Option(name: .customLong("input"), help: "Input file or folder (repeatable; replaces input.paths).")
    var inputs: [String] = []

    @Option(help: "Output folder (replaces output.path).")
    var output: String?

    @Option(help: "tokenizer.json, vocab.txt or vocab.json (replaces tokenizer.path).")
    var tokenizer: String?

    @Option(name: .customLong("set"), help: "Override a key: --set task.max_seq_length=256 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Worker threads for tokenizing and labeling (reading and writing run beside them on one thread each).")
    var threads: Int = 1

    @Flag(inversion: .prefixedNo, help: "Keep each worker thread on one CPU (of those the process may use, round robin).")
    var pinThreads = true

    @Option(help: "This task's index (0-based) when the build is split over --tasks.")
    var task: Int = 0

    @Option(help: "Number of tasks the build is split over.")
    var tasks: Int = 1

    func validate() throws {
        guard threads >= 1 && threads <= 256 else { throw ValidationError("--threads must be in 1...256") }
        guard tasks >= 1 && task >= 0 && task < tasks else { throw ValidationError("--task must be in 0..<--tasks") }
    }

    func run() throws {
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
        let config: PipelineConfig
        do { config = try PipelineConfig(text: text, overrides: pairs) } catch {
            throw ValidationError("\(pipeline): \(error)")
        }
        let progress = BuildProgress()
        let runner = BuildRunner(config: config, threads: threads, pinThreads: pinThreads, task: task, tasks: tasks, progress: progress) { progress.log($0) }
        switch try runner.run() {
        case .alreadyComplete:
            print("\(config.outputPath) already holds this finished build; nothing to do")
        case .built(let units, let shards, let resumed, let timings):
            progress.finish()
            let resumedNote = resumed > 0 ? " (\(resumed) units were already done)" : ""
            print("built \(units) unit(s) into \(config.outputPath): \(shards) shard file(s)\(resumedNote); see `pretext stats \(config.outputPath)`")
            print("time: \(timings)")
        }
    }
}
