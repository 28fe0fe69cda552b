import GRDB
import Testing
import PretextTestSupport
import PretextCore
@testable import PretextShards

@Suite struct CatalogTests {
    @Test func roundTripsRunsInputsShardsAndStatistics() throws {
        let folder = try TemporaryFolder.shared.folder(named: "catalog")
        let catalog = try Catalog(folder: folder, create: true)
        let config = "task = \"nsp\"\nseed = 12345\n"
        let run = try catalog.beginRun(configText: config, seed: UInt64.max)
        let input = Catalog.Input(ordinal: 0, path: "corpora/en-sample.txt", size: 1234, fingerprint: hex(42), documents: 17, status: "done")
        try catalog.recordInput(run: run, input)
        let writer = try ShardSetWriter(folder: folder, header: .testHeader())
        try writer.append(ShardRecord(tokens: [1, 2, 3], inputOrdinal: 0, documentOrdinal: 0))
        let summary = try writer.finish()[0]
        try catalog.recordShard(run: run, summary)
        try catalog.setStatistics(run: run, [("documents", 17), ("unk_rate", 0.0125)])
        try catalog.endRun(run, status: .finished)

        // A second connection sees everything that was committed.
        let reopened = try Catalog(folder: folder)
        let runs = try reopened.runs()
        #expect(runs.count == 1)
        #expect(runs[0].configText == config)
        #expect(runs[0].configHash == hex(XXHash64.hash(config.utf8)))
        #expect(runs[0].seed == UInt64.max)
        #expect(runs[0].status == .finished && runs[0].finishedAt != nil)
        #expect(runs[0].toolVersion == PretextVersion.current)
        #expect(try reopened.inputs(run: run) == [input])
        let shards = try reopened.shards()
        #expect(shards.count == 1)
        #expect(shards[0].file.relative == "part-00000.ptxs")
        #expect(shards[0].checksum == summary.checksum && shards[0].bytes == summary.bytes && shards[0].records == 1)
        let stats = try reopened.statistics(run: run)
        #expect(stats.map(\.name) == ["documents", "unk_rate"])
        #expect(stats.map(\.value) == [17, 0.0125])
    }

    @Test func usesWriteAheadLogging() throws {
        let folder = try TemporaryFolder.shared.folder(named: "wal")
        _ = try Catalog(folder: folder, create: true)
        let db = try DatabaseQueue(path: folder + "/" + Catalog.fileName)
        let mode = try db.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    /// Found by benchmarks/fuzz.sh (catalog): a NULL where the schema says NOT NULL (a
    /// catalog rewritten by other software, or damaged) trapped in GRDB's row subscript. Such
    /// values, negative counts and record counts that overflow are errors naming the column.
    @Test func hostileValuesAreErrorsNotCrashes() throws {
        func hostile(_ sql: String) throws -> String {
            let folder = try TemporaryFolder.shared.folder(named: "hostile")
            let catalog = try Catalog(folder: folder, create: true)
            let run = try catalog.beginRun(configText: "x", seed: 1)
            try catalog.endRun(run, status: .finished)
            let db = try DatabaseQueue(path: folder + "/" + Catalog.fileName)
            try db.write { try $0.execute(sql: sql) }
            return folder
        }
        let nullStage = try hostile("DROP TABLE build_units; CREATE TABLE build_units (run_id, stage, unit, statistics); INSERT INTO build_units VALUES (1, NULL, NULL, NULL)")
        #expect(throws: CatalogError.self) { try Catalog(folder: nullStage).contentText() }
        let nullStatistics = try hostile("DROP TABLE build_units; CREATE TABLE build_units (run_id, stage, unit, statistics); INSERT INTO build_units VALUES (1, 'store', 0, NULL)")
        #expect(throws: CatalogError.self) { try Catalog(folder: nullStatistics).finishedUnits(run: 1, stage: "store") }
        let textStatus = try hostile("DROP TABLE inputs; CREATE TABLE inputs (run_id, ordinal, path, size, fingerprint, documents, status); INSERT INTO inputs VALUES (1, 'zero', 'a', -5, 'f', 1, 'done')")
        #expect(throws: CatalogError.self) { try Catalog(folder: textStatus).inputs(run: 1) }
        let negative = try hostile("INSERT INTO shards (run_id, file, records, tokens, bytes, checksum) VALUES (1, 'part-0.ptxs', 1, 1, -3, '0x00000000000000ff')")
        #expect(throws: CatalogError.self) { try Catalog(folder: negative).shards() }
        // A later fuzz find: a column renamed (shards.tokens → tkkens) trapped in the error path.
        let renamed = try hostile("ALTER TABLE shards RENAME COLUMN tokens TO tkkens; INSERT INTO shards VALUES (1, 1, 'p.ptxs', 1, 1, 1, '0x01')")
        #expect(throws: CatalogError.self) { try ShardSet(folder: renamed) }
        #expect(throws: CatalogError.self) { try Catalog(folder: renamed).contentText() }
        let overflow = try hostile("""
            INSERT INTO shards (run_id, file, records, tokens, bytes, checksum) VALUES (1, 'a.ptxs', 9223372036854775807, 1, 1, '0x01');
            INSERT INTO shards (run_id, file, records, tokens, bytes, checksum) VALUES (1, 'b.ptxs', 9223372036854775807, 1, 1, '0x01');
            INSERT INTO shards (run_id, file, records, tokens, bytes, checksum) VALUES (1, 'c.ptxs', 9223372036854775807, 1, 1, '0x01')
            """)
        #expect(throws: CatalogError.self) { try ShardSet(folder: overflow) }
        #expect(throws: CatalogError.self) { try ShardSetVerifier.verify(folder: overflow) }
    }

    @Test func pathsThatEscapeTheFolderAreRejected() throws {
        for bad in ["", "/etc/passwd", "../x.ptxs", "a/../../x.ptxs", "a//b.ptxs", "./a.ptxs", "a/./b", "a/..", "nul\u{0}.ptxs"] {
            #expect(throws: CatalogPath.EscapeError.self, "\(bad.debugDescription)") { try CatalogPath(bad) }
        }
        for good in ["part-00000.ptxs", "sub/part-1.ptxs", "..hidden.ptxs", "a..b"] {
            #expect(try CatalogPath(good).relative == good)
        }
        #expect(try CatalogPath(path: "/data/set/part.ptxs", inFolder: "/data/set").relative == "part.ptxs")
        #expect(throws: CatalogPath.EscapeError.self) { try CatalogPath(path: "/data/other/part.ptxs", inFolder: "/data/set") }
        #expect(throws: CatalogPath.EscapeError.self) { try CatalogPath(path: "/data/settle/part.ptxs", inFolder: "/data/set") }

        // The catalog refuses to record a shard outside its folder…
        let folder = try TemporaryFolder.shared.folder(named: "escape")
        let catalog = try Catalog(folder: folder, create: true)
        let run = try catalog.beginRun(configText: "", seed: 0)
        let outside = ShardFileSummary(path: "/tmp/elsewhere.ptxs", records: 0, tokens: 0, bytes: 0, checksum: 0)
        #expect(throws: CatalogPath.EscapeError.self) { try catalog.recordShard(run: run, outside) }
        // …and to hand out one that was smuggled into the database.
        let db = try DatabaseQueue(path: folder + "/" + Catalog.fileName)
        try db.write { try $0.execute(sql: "INSERT INTO shards (run_id, file, records, tokens, bytes, checksum) VALUES (?, '../../etc/passwd', 0, 0, 0, ?)", arguments: [run, hex(0)]) }
        #expect(throws: CatalogPath.EscapeError.self) { _ = try catalog.shards() }
    }

    @Test func missingCatalogIsAClearError() throws {
        let folder = try TemporaryFolder.shared.folder(named: "nocatalog")
        do {
            _ = try Catalog(folder: folder)
            Issue.record("opened a catalog that does not exist")
        } catch let error as CatalogError {
            #expect(error.description.contains(folder))
        }
    }

    @Test func endingAnUnknownRunFails() throws {
        let catalog = try Catalog(folder: try TemporaryFolder.shared.folder(named: "unknown"), create: true)
        #expect(throws: CatalogError.self) { try catalog.endRun(99, status: .failed) }
    }
}
