import Foundation
import PretextPipeline
import PretextTestSupport
import Testing
@testable import PretextReport

/// One small NSP build with dynamic masking and one causal build, made once per test process.
enum ReportFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func build(_ name: String, task: PipelineConfig.Task, tokenizer: String) -> String {
        let en = try! String(contentsOfFile: root + "/corpora/en-sample.txt", encoding: .utf8)
        let corpus = try! TemporaryFolder.shared.file(named: "report-\(name).txt", text: en.components(separatedBy: "\n\n").prefix(60).joined(separator: "\n\n"))
        var c = PipelineConfig()
        c.inputPaths = [corpus]
        c.tokenizerPath = root + "/Tests/PretextTextTests/Fixtures/" + tokenizer
        c.task = task
        c.maskingMode = .dynamic
        c.outputPath = try! TemporaryFolder.shared.folder(named: "report-" + name)
        c.seed = 5
        _ = try! BuildRunner(config: c, threads: 2).run()
        return c.outputPath
    }

    static let nsp = build("nsp", task: .nsp, tokenizer: "wordpiece-2k.tokenizer.json")
    static let causal = build("causal", task: .causal, tokenizer: "bpe-2k.tokenizer.json")
}

@Suite struct BuildReportTests {
    @Test func gathersTheCatalogShardsAndASampleOfTheLoader() throws {
        let report = try BuildReport(folder: ReportFixture.nsp, sampleBatches: 4, batchSize: 8, examples: 3)
        #expect(report.task == "nsp" && report.maxLength == 128 && report.status == "finished")
        #expect((report.statistics["documents"] ?? 0) > 0 && (report.statistics["label_0"] ?? 0) > 0)
        #expect(report.inputs.count == 1 && report.inputs[0].documents == UInt64(report.statistics["documents"] ?? 0))
        #expect(!report.shards.isEmpty && report.shards.allSatisfy { $0.blocks > 0 && $0.uncompressed > $0.compressed })
        #expect(report.verification?.isClean == true)
        #expect(report.sampledBatches == 4 && report.sampledRows == 32)
        #expect(report.segmentALengths.count == 32 && report.segmentBLengths.allSatisfy { $0 > 0 })
        // Dynamic masks: about 15% of the tokens, mostly [MASK], and every masked unit counted.
        let share = Double(report.predicted) / Double(report.realTokens)
        #expect(share > 0.08 && share < 0.2)
        #expect(report.predictedAsMask + report.predictedAsKept + report.predictedAsRandom == report.predicted)
        #expect(report.predictedAsMask > report.predictedAsRandom)
        #expect(report.maskedRunLengths.reduce(0, +) == report.predicted)
        #expect(report.paddedTokens >= report.realTokens)
        #expect(report.examples.count == 3 && report.examples.allSatisfy { $0.pairLabel == 0 || $0.pairLabel == 1 })
        #expect(report.examples.contains { $0.tokens.contains { $0.label != nil } })
        let buckets = report.lengthBuckets
        #expect(!buckets.isEmpty && buckets.map(\.count).reduce(0, +) == report.statistics["instances"])
        #expect((report.tokensPerWord ?? 0) >= 1)
    }

    @Test func thePageHasEverySectionAndStaysSmall() throws {
        let build = try BuildReport(folder: ReportFixture.nsp, sampleBatches: 4, batchSize: 8)
        let html = ReportPage.html(build: build, runs: [])
        for id in ["overview", "inputs", "tokenization", "instances", "masking", "examples", "shards"] {
            #expect(html.contains("<section id=\"\(id)\">"), "section \(id)")
        }
        #expect(!html.contains("<section id=\"training\">"))
        // Self-contained: no script, nothing loaded from elsewhere.
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=") && !html.contains("@import"))
        #expect(html.contains("class=\"tok masked\"") || html.contains("class=\"tok seg-b masked\""))
        #expect(html.utf8.count < 400_000)
    }

    @Test func causalShardsHaveNoMaskingSection() throws {
        let build = try BuildReport(folder: ReportFixture.causal, sampleBatches: 2, batchSize: 4, verify: false)
        #expect(build.task == "causal" && build.verification == nil && build.predicted == 0)
        let html = ReportPage.html(build: build, runs: [])
        #expect(!html.contains("<section id=\"masking\">") && !html.contains("class=\"tok masked\""))
    }

    @Test func aFolderWithoutACatalogIsAnError() throws {
        let empty = try TemporaryFolder.shared.folder(named: "report-empty")
        #expect(throws: (any Error).self) { try BuildReport(folder: empty) }
    }
}

@Suite struct RunReportTests {
    @Test func readsEveryChartedKeyAndSkipsNulls() throws {
        let run = try TemporaryFolder.shared.folder(named: "report-run")
        try """
            {"step": 1, "loss": 9.5, "mlm_loss": 8.8, "pair_loss": 0.7, "mlm_accuracy": 0.01, "pair_accuracy": null, "lr": 0.0001, "grad_norm": 2, "tokens_per_s": 5000, "seconds": 0.1}
            {"step": 2, "loss": 9.1, "mlm_loss": 8.4, "pair_loss": 0.7, "mlm_accuracy": 0.02, "pair_accuracy": 0.5, "lr": 0.0002, "grad_norm": 2, "tokens_per_s": 5100, "seconds": 0.1}

            """.write(toFile: run + "/metrics.jsonl", atomically: true, encoding: .utf8)
        let report = try RunReport(folder: run)
        #expect(report.steps == 2 && report.name == URL(fileURLWithPath: run).lastPathComponent)
        #expect(report.series["pair_accuracy"]?.count == 1)
        #expect(report.series["lr"]?.map(\.1) == [0.0001, 0.0002])
        let build = try BuildReport(folder: ReportFixture.nsp, sampleBatches: 1, batchSize: 4, verify: false)
        let html = ReportPage.html(build: build, runs: [report, report])
        for id in ["loss", "loss-parts", "accuracy", "learning-rate", "throughput"] { #expect(html.contains("id=\"\(id)\"")) }
    }

    /// An ELECTRA run's lines add the discriminator's loss and accuracy (with the always-original
    /// baseline): charted beside the generator's MLM figures.
    @Test func electraRunsChartTheDiscriminator() throws {
        let run = try TemporaryFolder.shared.folder(named: "report-electra-run")
        try """
            {"step": 1, "loss": 43.9, "mlm_loss": 9.0, "pair_loss": 0, "mlm_accuracy": 0, "pair_accuracy": null, "lr": 0.0001, "grad_norm": 25, "tokens_per_s": 8000, "seconds": 0.4, "rtd_loss": 0.699, "rtd_accuracy": 0.305, "rtd_baseline_accuracy": 0.852, "rtd_precision": 0.15, "rtd_recall": 0.71}
            {"step": 2, "loss": 30.1, "mlm_loss": 8.1, "pair_loss": 0, "mlm_accuracy": 0.01, "pair_accuracy": null, "lr": 0.0002, "grad_norm": 9, "tokens_per_s": 8100, "seconds": 0.4, "rtd_loss": 0.44, "rtd_accuracy": 0.85, "rtd_baseline_accuracy": 0.852, "rtd_precision": null, "rtd_recall": 0}

            """.write(toFile: run + "/metrics.jsonl", atomically: true, encoding: .utf8)
        let report = try RunReport(folder: run)
        #expect(report.series["rtd_loss"]?.map(\.1) == [0.699, 0.44] && report.series["rtd_baseline_accuracy"]?.count == 2)
        let build = try BuildReport(folder: ReportFixture.nsp, sampleBatches: 1, batchSize: 4, verify: false)
        let html = ReportPage.html(build: build, runs: [report])
        #expect(html.contains("rtd loss") && html.contains("rtd accuracy") && html.contains("rtd baseline accuracy"))
    }

    /// A long run keeps at most 500 points a series (bucket means), so the page does not grow
    /// with the number of steps.
    @Test func longRunsAreAveragedToFiveHundredPoints() throws {
        let run = try TemporaryFolder.shared.folder(named: "report-long-run")
        let lines = (1...2000).map { "{\"step\": \($0), \"loss\": \(Double($0)), \"lr\": 0.001}" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: run + "/metrics.jsonl", atomically: true, encoding: .utf8)
        let report = try RunReport(folder: run)
        #expect(report.steps == 2000 && report.series["loss"]?.count == 500 && report.series["lr"]?.count == 500)
        #expect(report.series["loss"]?.first?.0 == 2.5 && report.series["loss"]?.first?.1 == 2.5)   // steps 1…4
        #expect(report.series["loss"]?.last?.1 == 1998.5 && report.series["lr"]?.allSatisfy { $0.1 == 0.001 } == true)
    }

    @Test func aBadLineNamesFileAndLine() throws {
        let run = try TemporaryFolder.shared.folder(named: "report-bad-run")
        try "{\"step\": 1, \"loss\": 2}\nnot json\n".write(toFile: run + "/metrics.jsonl", atomically: true, encoding: .utf8)
        #expect { try RunReport(folder: run) } throws: { ($0 as? ReportError)?.description.contains("metrics.jsonl:2") == true }
        let missing = try TemporaryFolder.shared.folder(named: "report-no-run")
        #expect { try RunReport(folder: missing) } throws: { ($0 as? ReportError)?.description.contains("no metrics") == true }
    }
}
