import GRDB
import PretextCore

/// The SQLite catalog that sits beside a shard set as `catalog.sqlite`.
///
/// Tables (created by `migrator`, see docs/FORMAT.md "Catalog"):
/// - `runs`: one row per build run — pipeline config text and its XXH64, seed, tool
///   version, start and end times, status (`running`, `finished`, `failed`);
/// - `inputs`: the inputs a run read — path as given, size, fingerprint, documents, status;
/// - `shards`: every shard file — path relative to the catalog, records, tokens, bytes,
///   whole-file XXH64;
/// - `statistics`: named numeric statistics per run.
///
/// The database is opened in WAL mode (GRDB `DatabasePool`); every write is one
/// transaction; every value is a bound parameter.
public final class Catalog: Sendable {
    public static let fileName = "catalog.sqlite"
    public let folder: String
    /// The database file, relative to `folder` (`catalog.sqlite`, or a task's catalog under
    /// `tasks/`): shard paths are always stored relative to `folder`.
    public let file: String
    public var path: String { folder + "/" + file }
    private let pool: DatabasePool

    public enum RunStatus: String, Sendable, CaseIterable {
        case running, finished, failed
    }

    /// Opens (or, with `create`, creates) the catalog in `folder`.
    /// `file` names the database relative to `folder` (default `catalog.sqlite`).
    public init(folder: String, file: String = Catalog.fileName, create: Bool = false) throws {
        self.folder = folder
        self.file = file
        if create { try PosixFile.makeDirectories(folder) }
        let path = folder + "/" + file
        guard create || PosixFile.exists(path) else {
            throw CatalogError.missing(path: path)
        }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.readonly = false
        // Several processes open one catalog at once (loader ranks and workers, `report`
        // beside `verify`): a writer waits for another's transaction instead of failing with
        // SQLITE_BUSY at once.
        config.busyMode = .timeout(60)
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // The migration takes the write lock: only a catalog that needs one runs it.
            if try !pool.read(Self.migrator.hasCompletedMigrations) { try Self.migrator.migrate(pool) }
        } catch let error as DatabaseError {
            throw CatalogError.database(path: path, message: error.description)
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY,
                    config_text TEXT NOT NULL,
                    config_hash TEXT NOT NULL,
                    seed TEXT NOT NULL,
                    tool_version TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed'))
                );
                CREATE TABLE inputs (
                    id INTEGER PRIMARY KEY,
                    run_id INTEGER NOT NULL REFERENCES runs(id),
                    ordinal INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    fingerprint TEXT NOT NULL,
                    documents INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    UNIQUE (run_id, ordinal)
                );
                CREATE TABLE shards (
                    id INTEGER PRIMARY KEY,
                    run_id INTEGER NOT NULL REFERENCES runs(id),
                    file TEXT NOT NULL UNIQUE,
                    records INTEGER NOT NULL,
                    tokens INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    checksum TEXT NOT NULL
                );
                CREATE TABLE statistics (
                    run_id INTEGER NOT NULL REFERENCES runs(id),
                    name TEXT NOT NULL,
                    value REAL NOT NULL,
                    PRIMARY KEY (run_id, name)
                );
                """)
        }
        m.registerMigration("v2-build-units") { db in
            // One row per finished unit of a build stage: what resume skips. Per-unit
            // statistics are summed into `statistics` when the run finishes.
            try db.execute(sql: """
                CREATE TABLE build_units (
                    run_id INTEGER NOT NULL REFERENCES runs(id),
                    stage TEXT NOT NULL,
                    unit INTEGER NOT NULL,
                    statistics TEXT NOT NULL,
                    PRIMARY KEY (run_id, stage, unit)
                );
                """)
        }
        m.registerMigration("v3-unit-inputs") { db in
            // What each finished unit of the store stage read of each input: the documents it
            // found there and the XXH64 of the input's bytes that fall in the unit's range. The
            // inputs table is derived from these rows (documents summed, fingerprints combined),
            // so tasks that read different parts of one input never write the same row.
            try db.execute(sql: """
                CREATE TABLE build_unit_inputs (
                    run_id INTEGER NOT NULL REFERENCES runs(id),
                    unit INTEGER NOT NULL,
                    ordinal INTEGER NOT NULL,
                    documents INTEGER NOT NULL,
                    bytes INTEGER NOT NULL,
                    checksum TEXT NOT NULL,
                    PRIMARY KEY (run_id, unit, ordinal)
                );
                """)
        }
        return m
    }

    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch let error as DatabaseError {
            throw CatalogError.database(path: path, message: "\(what): \(error.description)")
        }
    }

    private func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let error as DatabaseError {
            throw CatalogError.database(path: path, message: "\(what): \(error.description)")
        }
    }

    /// Column `name` of a row of `table` as `T`. A NULL, a value of another type or a missing
    /// column is `CatalogError.corrupt` naming them: a damaged or hostile catalog gives an error,
    /// never a crash (GRDB's subscripts trap on such values).
    private func column<T: DatabaseValueConvertible>(_ row: Row, _ name: String, of table: String) throws -> T {
        do { return try row.decode(T.self, forColumn: name) } catch {
            // (Reading the value for the message through the subscript would trap on a missing column too.)
            let found = row.hasColumn(name) ? "holds \(row[name] as DatabaseValue), not a \(T.self)" : "is missing"
            throw CatalogError.corrupt(path: path, message: "\(table).\(name) \(found)")
        }
    }

    /// A count or size column: an integer of at least zero.
    private func count(_ row: Row, _ name: String, of table: String) throws -> UInt64 {
        let value: Int64 = try column(row, name, of: table)
        guard value >= 0 else { throw CatalogError.corrupt(path: path, message: "\(table).\(name) is \(value), below zero") }
        return UInt64(value)
    }

    // MARK: Runs

    public struct Run: Equatable, Sendable {
        public let id: Int64
        public let configText: String
        public let configHash: String
        public let seed: UInt64
        public let toolVersion: String
        public let startedAt: String
        public let finishedAt: String?
        public let status: RunStatus
    }

    /// Starts a run; returns its id.
    public func beginRun(configText: String, seed: UInt64, toolVersion: String = PretextVersion.current) throws -> Int64 {
        try write("begin run") { db in
            try db.execute(
                sql: "INSERT INTO runs (config_text, config_hash, seed, tool_version, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')",
                arguments: [configText, hex(XXHash64.hash(configText.utf8)), String(seed), toolVersion, utcTimestamp()])
            return db.lastInsertedRowID
        }
    }

    public func endRun(_ id: Int64, status: RunStatus) throws {
        try write("end run") { db in
            try db.execute(sql: "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                           arguments: [status.rawValue, utcTimestamp(), id])
            guard db.changesCount == 1 else { throw CatalogError.unknownRun(id) }
        }
    }

    public func runs() throws -> [Run] {
        try read("list runs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id").map { row in
                let t = "runs"
                return Run(id: try column(row, "id", of: t), configText: try column(row, "config_text", of: t),
                           configHash: try column(row, "config_hash", of: t),
                           seed: UInt64(try column(row, "seed", of: t) as String) ?? 0, toolVersion: try column(row, "tool_version", of: t),
                           startedAt: try column(row, "started_at", of: t), finishedAt: try column(row, "finished_at", of: t),
                           status: RunStatus(rawValue: try column(row, "status", of: t)) ?? .failed)
            }
        }
    }

    // MARK: Inputs

    public struct Input: Equatable, Sendable {
        public let ordinal: Int
        /// As given on the command line (inputs usually live outside the shard folder).
        public let path: String
        public let size: UInt64
        public let fingerprint: String
        public let documents: UInt64
        public let status: String

        public init(ordinal: Int, path: String, size: UInt64, fingerprint: String, documents: UInt64, status: String) {
            self.ordinal = ordinal
            self.path = path
            self.size = size
            self.fingerprint = fingerprint
            self.documents = documents
            self.status = status
        }
    }

    public func recordInput(run: Int64, _ input: Input) throws { try recordInputs(run: run, [input]) }

    /// Records (or updates) several inputs in one transaction.
    public func recordInputs(run: Int64, _ inputs: [Input]) throws {
        try write("record inputs") { db in
            for input in inputs {
            try db.execute(
                sql: """
                    INSERT INTO inputs (run_id, ordinal, path, size, fingerprint, documents, status) VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (run_id, ordinal) DO UPDATE SET path = excluded.path, size = excluded.size,
                      fingerprint = excluded.fingerprint, documents = excluded.documents, status = excluded.status
                    """,
                arguments: [run, input.ordinal, input.path, Int64(input.size), input.fingerprint, Int64(input.documents), input.status])
            }
        }
    }

    public func inputs(run: Int64) throws -> [Input] {
        try read("list inputs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM inputs WHERE run_id = ? ORDER BY ordinal", arguments: [run]).map { row in
                let t = "inputs"
                return Input(ordinal: try column(row, "ordinal", of: t), path: try column(row, "path", of: t), size: try count(row, "size", of: t),
                             fingerprint: try column(row, "fingerprint", of: t), documents: try count(row, "documents", of: t),
                             status: try column(row, "status", of: t))
            }
        }
    }

    // MARK: Shards

    public struct Shard: Equatable, Sendable {
        public let file: CatalogPath
        public let records: UInt64
        public let tokens: UInt64
        public let bytes: UInt64
        public let checksum: UInt64
    }

    /// Records a finished shard; its path must lie inside the catalog folder.
    public func recordShard(run: Int64, _ summary: ShardFileSummary) throws {
        let file = try CatalogPath(path: summary.path, inFolder: folder)
        try write("record shard") { db in
            try db.execute(
                sql: "INSERT INTO shards (run_id, file, records, tokens, bytes, checksum) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [run, file.relative, Int64(summary.records), Int64(summary.tokens), Int64(summary.bytes), hex(summary.checksum)])
        }
    }

    /// Every shard, in file-name order. A stored path that escapes the folder is an error.
    public func shards() throws -> [Shard] {
        let rows = try read("list shards") { db in try Row.fetchAll(db, sql: "SELECT * FROM shards ORDER BY file") }
        return try rows.map { row in
            let t = "shards"
            let file: String = try column(row, "file", of: t)
            let checksumText: String = try column(row, "checksum", of: t)
            guard let checksum = parseHex(checksumText) else {
                throw CatalogError.corrupt(path: path, message: "shard \(file) has checksum \"\(checksumText)\"")
            }
            return Shard(file: try CatalogPath(file), records: try count(row, "records", of: t), tokens: try count(row, "tokens", of: t),
                         bytes: try count(row, "bytes", of: t), checksum: checksum)
        }
    }

    // MARK: Build units

    /// What one finished unit read of one input (see the `build_unit_inputs` table).
    public struct UnitInput: Equatable, Sendable {
        public let unit: Int
        public let ordinal: Int
        public let documents: UInt64
        /// Bytes of the input in the unit's range, and their XXH64.
        public let bytes: UInt64
        public let checksum: UInt64
        public init(unit: Int, ordinal: Int, documents: UInt64, bytes: UInt64, checksum: UInt64) {
            self.unit = unit
            self.ordinal = ordinal
            self.documents = documents
            self.bytes = bytes
            self.checksum = checksum
        }
    }

    /// One finished unit of a stage: its shards, statistics and (store stage) what it read.
    public struct UnitRecord: Sendable {
        public let stage: String
        public let unit: Int
        public let shards: [ShardFileSummary]
        public let statistics: [(String, Double)]
        public let inputs: [UnitInput]
        public init(stage: String, unit: Int, shards: [ShardFileSummary] = [], statistics: [(String, Double)], inputs: [UnitInput] = []) {
            self.stage = stage
            self.unit = unit
            self.shards = shards
            self.statistics = statistics
            self.inputs = inputs
        }
    }

    /// Marks `unit` of `stage` finished, together with the shards it wrote, its statistics
    /// (`name value` lines) and what it read, in one transaction: all of it or none.
    public func recordUnit(run: Int64, stage: String, unit: Int, shards: [ShardFileSummary], statistics: [(String, Double)],
                           inputs: [UnitInput] = []) throws {
        try recordUnits(run: run, [UnitRecord(stage: stage, unit: unit, shards: shards, statistics: statistics, inputs: inputs)])
    }

    /// Records several finished units in one transaction (a merge writes all its rows so).
    public func recordUnits(run: Int64, _ records: [UnitRecord]) throws {
        let files = try records.map { record in try record.shards.map { ($0, try CatalogPath(path: $0.path, inFolder: folder)) } }
        try write("record units") { db in
            for (record, files) in zip(records, files) {
                for (summary, file) in files {
                    try db.execute(
                        sql: "INSERT INTO shards (run_id, file, records, tokens, bytes, checksum) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [run, file.relative, Int64(summary.records), Int64(summary.tokens), Int64(summary.bytes), hex(summary.checksum)])
                }
                let text = record.statistics.map { "\($0.0) \($0.1)" }.joined(separator: "\n")
                try db.execute(sql: "INSERT INTO build_units (run_id, stage, unit, statistics) VALUES (?, ?, ?, ?)",
                               arguments: [run, record.stage, record.unit, text])
                for input in record.inputs {
                    try db.execute(sql: "INSERT INTO build_unit_inputs (run_id, unit, ordinal, documents, bytes, checksum) VALUES (?, ?, ?, ?, ?, ?)",
                                   arguments: [run, input.unit, input.ordinal, Int64(input.documents), Int64(input.bytes), hex(input.checksum)])
                }
            }
        }
    }

    /// Every unit-input row of `run`, by unit and input ordinal.
    public func unitInputs(run: Int64) throws -> [UnitInput] {
        let rows = try read("list unit inputs") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM build_unit_inputs WHERE run_id = ? ORDER BY unit, ordinal", arguments: [run])
        }
        return try rows.map { row in
            let t = "build_unit_inputs"
            let text: String = try column(row, "checksum", of: t)
            guard let checksum = parseHex(text) else { throw CatalogError.corrupt(path: path, message: "unit input checksum \"\(text)\"") }
            return UnitInput(unit: try column(row, "unit", of: t), ordinal: try column(row, "ordinal", of: t), documents: try count(row, "documents", of: t),
                             bytes: try count(row, "bytes", of: t), checksum: checksum)
        }
    }

    /// Units of `stage` recorded as finished for `run`, with their statistics.
    public func finishedUnits(run: Int64, stage: String) throws -> [Int: [(String, Double)]] {
        try read("list units") { db in
            var out: [Int: [(String, Double)]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT unit, statistics FROM build_units WHERE run_id = ? AND stage = ?", arguments: [run, stage]) {
                let text: String = try column(row, "statistics", of: "build_units")
                out[try column(row, "unit", of: "build_units")] = text.split(separator: "\n").compactMap { line in
                    let parts = line.split(separator: " ")
                    guard parts.count == 2, let v = Double(parts[1]) else { return nil }
                    return (String(parts[0]), v)
                }
            }
            return out
        }
    }

    /// Reopens a run for resuming: status back to `running`, end time cleared.
    public func reopenRun(_ id: Int64) throws {
        try write("reopen run") { db in
            try db.execute(sql: "UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?", arguments: [id])
        }
    }

    /// The catalog's content without wall-clock times and row ids: runs (config, hash, seed,
    /// tool version, status), inputs, shards (by file), units (by stage and unit) and
    /// statistics, one line each in a fixed order. Two builds produced the same catalog
    /// content exactly when these texts are equal.
    public func contentText() throws -> String {
        try read("content") { db in
            var lines: [String] = []
            for row in try Row.fetchAll(db, sql: "SELECT config_text, config_hash, seed, tool_version, status FROM runs ORDER BY id") {
                lines.append("run \(try column(row, "config_hash", of: "runs") as String) seed=\(try column(row, "seed", of: "runs") as String) version=\(try column(row, "tool_version", of: "runs") as String) status=\(try column(row, "status", of: "runs") as String)")
                lines.append(try column(row, "config_text", of: "runs") as String)
            }
            for row in try Row.fetchAll(db, sql: "SELECT ordinal, path, size, fingerprint, documents, status FROM inputs ORDER BY ordinal") {
                lines.append("input \(try column(row, "ordinal", of: "inputs") as Int) \(try column(row, "path", of: "inputs") as String) \(try column(row, "size", of: "inputs") as Int64) \(try column(row, "fingerprint", of: "inputs") as String) \(try column(row, "documents", of: "inputs") as Int64) \(try column(row, "status", of: "inputs") as String)")
            }
            for row in try Row.fetchAll(db, sql: "SELECT file, records, tokens, bytes, checksum FROM shards ORDER BY file") {
                lines.append("shard \(try column(row, "file", of: "shards") as String) \(try column(row, "records", of: "shards") as Int64) \(try column(row, "tokens", of: "shards") as Int64) \(try column(row, "bytes", of: "shards") as Int64) \(try column(row, "checksum", of: "shards") as String)")
            }
            for row in try Row.fetchAll(db, sql: "SELECT stage, unit, statistics FROM build_units ORDER BY stage, unit") {
                lines.append("unit \(try column(row, "stage", of: "build_units") as String) \(try column(row, "unit", of: "build_units") as Int) \((try column(row, "statistics", of: "build_units") as String).replacingNewlines())")
            }
            for row in try Row.fetchAll(db, sql: "SELECT unit, ordinal, documents, bytes, checksum FROM build_unit_inputs ORDER BY unit, ordinal") {
                lines.append("unit-input \(try column(row, "unit", of: "build_unit_inputs") as Int) \(try column(row, "ordinal", of: "build_unit_inputs") as Int) \(try column(row, "documents", of: "build_unit_inputs") as Int64) \(try column(row, "bytes", of: "build_unit_inputs") as Int64) \(try column(row, "checksum", of: "build_unit_inputs") as String)")
            }
            for row in try Row.fetchAll(db, sql: "SELECT name, value FROM statistics ORDER BY name") {
                lines.append("statistic \(try column(row, "name", of: "statistics") as String) \(try column(row, "value", of: "statistics") as Double)")
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    // MARK: Statistics

    public func setStatistics(run: Int64, _ values: [(String, Double)]) throws {
        try write("record statistics") { db in
            for (name, value) in values {
                try db.execute(sql: "INSERT OR REPLACE INTO statistics (run_id, name, value) VALUES (?, ?, ?)",
                               arguments: [run, name, value])
            }
        }
    }

    public func statistics(run: Int64) throws -> [(name: String, value: Double)] {
        try read("list statistics") { db in
            try Row.fetchAll(db, sql: "SELECT name, value FROM statistics WHERE run_id = ? ORDER BY name", arguments: [run])
                .map { (name: $0["name"], value: $0["value"]) }
        }
    }
}

/// A catalog that cannot be opened, read or written.
public enum CatalogError: Error, CustomStringConvertible, Sendable {
    case missing(path: String)
    case database(path: String, message: String)
    case corrupt(path: String, message: String)
    case unknownRun(Int64)

    public var description: String {
        switch self {
        case .missing(let path): return "\(path): no catalog here (build or pack a shard set first)"
        case .database(let path, let message): return "\(path): SQLite error: \(message)"
        case .corrupt(let path, let message): return "\(path): \(message)"
        case .unknownRun(let id): return "catalog has no run \(id)"
        }
    }
}

extension String {
    fileprivate func replacingNewlines() -> String { split(separator: "\n").joined(separator: "; ") }
}
