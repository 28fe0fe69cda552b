import ArgumentParser
import Foundation
import PretextCore
import PretextReport
import PretextShards
import PretextText

/// `pretext report`: one self-contained HTML page of a build folder and training runs.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML page of a build (and training runs): inputs, tokenization, instances, masking, examples, shards, loss curves.",
        discussion: """
            The page has no script and loads nothing: inline CSS and SVG charts, a few hundred KB
            whatever the corpus size. Whole-build figures come from the catalog; the figures of
            sequences as a model sees them (segment lengths, masked units, padding waste,
            examples) from the first --sample-batches batches of epoch 0 of the loader. Every
            block checksum is verified unless --no-verify. With --run (repeatable), the
            runs' metrics.jsonl are charted, several runs overlaid.

            Examples:
              pretext report shards/bert-nsp
              pretext report shards/demo-bert --run runs/demo --output runs/demo/report.html --vocab shards/demo-vocab/tokenizer.json
              pretext report shards/bert-nsp --run runs/a --run runs/b --no-verify
            """)

    @Argument(help: "A shard folder (with catalog.sqlite).")
    var folder: String

    @Option(name: .customLong("run"), help: "A training run folder (pretext train --run), with metrics.jsonl; repeat to overlay runs.")
    var runs: [String] = []

    @Option(help: "Where to write the page (default: <folder>/report.html).")
    var output: String?

    @Option(help: "Show example tokens with this vocab.txt or tokenizer.json (default: the build's tokenizer when its path resolves).")
    var vocab: String?

    @Option(help: "Loader batches of epoch 0 sampled for the per-sequence figures.")
    var sampleBatches = 64

    @Option(help: "Sequences per sampled batch (the padding waste is that of this batch size).")
    var batchSize = 32

    @Option(help: "Example sequences shown.")
    var examples = 6

    @Flag(help: "Do not verify the block checksums.")
    var noVerify = false

    func validate() throws {
        guard sampleBatches >= 1, batchSize >= 1, examples >= 0 else {
            throw ValidationError("--sample-batches and --batch-size must be at least 1, --examples at least 0")
        }
    }

    func run() throws {
        let names = try vocab.map(decodingVocabulary) ?? buildVocabulary()
        let build = try BuildReport(folder: folder, sampleBatches: sampleBatches, batchSize: batchSize, examples: examples,
                                    verify: !noVerify, tokenName: { id in names?.token(id) ?? String(id) })
        let runReports = try runs.map { try RunReport(folder: $0) }
        let path = output ?? folder + "/report.html"
        let page = ReportPage.html(build: build, runs: runReports)
        do { try page.write(toFile: path, atomically: true, encoding: .utf8) } catch {
            throw ValidationError("cannot write \(path): \(error.localizedDescription)")
        }
        print("wrote \(path) (\(page.utf8.count / 1024) KB)")
    }

    /// The vocabulary of the build's tokenizer, when the pipeline's tokenizer path (relative to
    /// the current folder, as the build read it) still names a file. The catalog keeps the
    /// configuration as `key = value` lines with dotted keys (`tokenizer.path = "…"`).
    private func buildVocabulary() -> PretextText.Vocabulary? {
        guard let catalog = try? PretextShards.Catalog(folder: folder), let run = try? catalog.runs().last,
              let line = run.configText.split(separator: "\n").first(where: { $0.hasPrefix("tokenizer.path = ") }),
              case .string(let path)? = try? TOMLDocument.parseValue(String(line.dropFirst("tokenizer.path = ".count))),
              FileManager.default.fileExists(atPath: path) else { return nil }
        return try? decodingVocabulary(path)
    }
}
