import Foundation
import PretextTestSupport
import Testing

@Suite(.serialized) struct ReportCommandTests {
    @Test func writesThePageOfABuildAndARun() throws {
        let root = try TemporaryFolder.shared.folder(named: "cli-report")
        let shards = root + "/shards", run = root + "/run", page = root + "/page.html"
        let build = try CLI.run(["build", "pipelines/korean-bert.toml", "--output", shards, "--threads", "2"])
        #expect(build.status == 0, "\(build.output)")
        let train = try CLI.run(["train", "--shards", shards, "--model", "pipelines/models/bert-tiny.json", "--steps", "3",
                                 "--run", run, "--log-every", "10"])
        #expect(train.status == 0, "\(train.output)")
        let report = try CLI.run(["report", shards, "--run", run, "--output", page, "--sample-batches", "2"])
        #expect(report.status == 0, "\(report.output)")
        #expect(report.output.contains("wrote \(page)"))
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<section id=\"training\">"))
        // The build's own tokenizer decodes the examples: Hangul on the page.
        #expect(html.unicodeScalars.contains { (0xAC00...0xD7AF).contains($0.value) })
        #expect(html.contains("all 1 ok") || html.contains("ok</b>"))

        let noVerify = try CLI.run(["report", shards, "--no-verify", "--output", root + "/quick.html"])
        #expect(noVerify.status == 0, "\(noVerify.output)")
        let quick = try String(contentsOfFile: root + "/quick.html", encoding: .utf8)
        #expect(quick.contains("not checked"))
    }

    @Test func badFoldersAndRunsAreClearErrors() throws {
        let root = try TemporaryFolder.shared.folder(named: "cli-report-errors")
        let missing = try CLI.run(["report", root + "/nothing"])
        #expect(missing.status != 0 && missing.output.contains(root + "/nothing"))
        let shards = root + "/shards"
        let build = try CLI.run(["build", "pipelines/korean-bert.toml", "--output", shards, "--threads", "1"])
        #expect(build.status == 0, "\(build.output)")
        let noRun = try CLI.run(["report", shards, "--run", root])
        #expect(noRun.status != 0 && noRun.output.contains("no metrics"))
        let zero = try CLI.run(["report", shards, "--sample-batches", "0"])
        #expect(zero.status != 0 && zero.output.contains("--sample-batches"))
    }
}
