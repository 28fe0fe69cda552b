#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PretextCore

/// The phases of a build. `tokenize` and `label` are split over tasks (`--task i --tasks n`);
/// `merge` is one step at the end; `all` runs the three in one process (or, under MPI, on
/// every rank with a barrier between phases and the merge on rank 0).
public enum BuildPhase: String, Sendable, CaseIterable {
    /// Read and tokenize this task's units into the document store (`store/`).
    case tokenize
    /// Label and mask this task's units into shards, negatives from the whole store.
    case label
    /// Join the tasks' catalogs into `catalog.sqlite` (no shard byte is read or copied).
    case merge
    case all
}

/// The `tasks/` folder of a build's output folder, through which the tasks of a distributed
/// build coordinate on shared storage without ever writing one file from two processes:
/// - `tasks/<phase>.plan`: the phase's task count and configuration hash, created by the
///   first task of the phase (`link`, so exactly one wins) and checked by every other;
/// - `tasks/<phase>-IIIII-of-NNNNN.sqlite`: the task's own catalog (its units, shards and
///   statistics; resume reads it back);
/// - `.lock` beside it: held with `flock` while the task runs, so a second process with the
///   same index is refused (the kernel drops the lock when a killed task dies, so a
///   resubmitted task takes it over);
/// - `.done` beside it: written (atomically) when the task has finished, with the
///   configuration hash: the next phase starts only when every task's marker is there.
/// `merge` opens the tasks' catalogs only after every marker exists, so an SQLite file is
/// never read while its writer runs.
public struct BuildTaskFiles: Sendable {
    public static let folderName = "tasks"

    public let output: String
    public let phase: BuildPhase
    public let task: Int
    public let tasks: Int

    public init(output: String, phase: BuildPhase, task: Int, tasks: Int) {
        precondition(phase == .tokenize || phase == .label, "only tokenize and label are split over tasks")
        precondition(tasks >= 1 && task >= 0 && task < tasks)
        self.output = output
        self.phase = phase
        self.task = task
        self.tasks = tasks
    }

    var folder: String { output + "/" + Self.folderName }
    /// The task's catalog, relative to the output folder (`Catalog(folder:file:)`).
    public var catalogFile: String { Self.folderName + "/" + baseName + ".sqlite" }
    var baseName: String { "\(phase.rawValue)-\(BuildRunner.pad(task))-of-\(BuildRunner.pad(tasks))" }
    var lockPath: String { folder + "/" + baseName + ".lock" }
    var donePath: String { folder + "/" + baseName + ".done" }
    static func planPath(output: String, phase: BuildPhase) -> String { output + "/" + folderName + "/" + phase.rawValue + ".plan" }

    public struct TaskError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { message }
    }

    /// The plan text of a phase: what every task of it must agree on.
    /// `units`: in a phase's plan, the build's unit count (the merge checks every unit is there).
    static func planText(configHash: String, tasks: Int, units: Int? = nil) -> String {
        "config \(configHash)\ntasks \(tasks)\n" + (units.map { "units \($0)\n" } ?? "")
    }

    /// The phase plan's fields (`config`, `tasks`), or nil when the phase has not started.
    public static func readPlan(output: String, phase: BuildPhase) -> [String: String]? {
        (try? PosixFile(path: planPath(output: output, phase: phase), mode: .readOnly).readAll()).map { parse(String(decoding: $0, as: UTF8.self)) }
    }

    /// Takes this task's place: checks (or, first, writes) the phase's plan (configuration,
    /// task count, unit count), then takes the
    /// task's lock. Throws when the phase runs with another task count or configuration, or
    /// when another process holds the lock. The lock is released when `TaskLock` is dropped.
    public func claim(configHash: String, units: Int) throws -> TaskLock {
        try PosixFile.makeDirectories(folder)
        let plan = Self.planPath(output: output, phase: phase)
        let text = Self.planText(configHash: configHash, tasks: tasks, units: units)
        if !PosixFile.exists(plan) {
            // Write a private file, then link it to the plan's name: link fails if a plan
            // exists, so of tasks starting at once exactly one plan wins, whole.
            let mine = plan + ".\(getpid()).\(UInt64(BuildProgress.now() * 1e9) & 0xFFFF_FFFF)"
            try PosixFile.writeAtomically(Array(text.utf8), to: mine)
            defer { try? PosixFile.removeIfPresent(mine) }
            if link(mine, plan) == -1 && errno != EEXIST { throw SystemCallError(call: "link", path: plan, errno: errno) }
        }
        let found = String(decoding: try PosixFile(path: plan, mode: .readOnly).readAll(), as: UTF8.self)
        guard found == text else {
            let fields = Self.parse(found)
            if fields["config"] != configHash {
                throw TaskError(message: "\(output) is being built with another configuration (\(phase.rawValue) phase: config \(fields["config"] ?? "?"), this task: \(configHash)); every task must run the same pipeline, flags and inputs")
            }
            throw TaskError(message: "the \(phase.rawValue) phase of \(output) runs with --tasks \(fields["tasks"] ?? "?"), this task says --tasks \(tasks); resubmit with the same --tasks (or start again in a new output folder)")
        }
        return try TaskLock(path: lockPath, task: task, tasks: tasks, phase: phase, output: output)
    }

    /// Whether this task has finished (its marker exists and names this configuration).
    public func isDone(configHash: String) -> Bool {
        guard let text = try? PosixFile(path: donePath, mode: .readOnly).readAll() else { return false }
        return Self.parse(String(decoding: text, as: UTF8.self))["config"] == configHash
    }

    /// Writes the task's marker: it has finished, its catalog is closed. `details` (lines)
    /// follow the configuration hash, for the next phase to read without opening the catalog.
    public func markDone(configHash: String, details: String = "") throws {
        try PosixFile.writeAtomically(Array((Self.planText(configHash: configHash, tasks: tasks) + details).utf8), to: donePath)
        try PosixFile.syncDirectory(folder)
    }

    /// The finished tasks of `phase` in `output`: its task count, the task catalogs and the
    /// tasks' markers — or an error naming the tasks that have not finished (or the phase that
    /// never started).
    public static func finishedPhase(output: String, phase: BuildPhase, configHash: String) throws -> (tasks: Int, catalogFiles: [String], markers: [String]) {
        let plan = planPath(output: output, phase: phase)
        guard let text = try? PosixFile(path: plan, mode: .readOnly).readAll() else {
            throw TaskError(message: "the \(phase.rawValue) phase has not started in \(output) (no \(folderName)/\(phase.rawValue).plan); run it first")
        }
        let fields = parse(String(decoding: text, as: UTF8.self))
        guard fields["config"] == configHash else {
            throw TaskError(message: "the \(phase.rawValue) phase in \(output) ran with another configuration (config \(fields["config"] ?? "?"), here \(configHash))")
        }
        guard let tasks = fields["tasks"].flatMap({ Int($0) }), tasks >= 1 else {
            throw TaskError(message: "\(plan): no task count")
        }
        var missing: [Int] = []
        var files: [String] = [], markers: [String] = []
        for t in 0..<tasks {
            let one = BuildTaskFiles(output: output, phase: phase, task: t, tasks: tasks)
            let marker = (try? PosixFile(path: one.donePath, mode: .readOnly).readAll()).map { String(decoding: $0, as: UTF8.self) }
            if let marker, parse(marker)["config"] == configHash { markers.append(marker) } else { missing.append(t) }
            files.append(one.catalogFile)
        }
        guard missing.isEmpty else {
            let list = missing.prefix(20).map(String.init).joined(separator: ", ") + (missing.count > 20 ? ", …" : "")
            throw TaskError(message: "the \(phase.rawValue) phase in \(output) has not finished: \(missing.count) of \(tasks) tasks not done (\(list))")
        }
        return (tasks, files, markers)
    }

    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            out[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return out
    }
}

/// A task's exclusive claim on its index: an `flock` on its `.lock` file, released on deinit
/// (and by the kernel when the process dies).
public final class TaskLock: @unchecked Sendable {
    let descriptor: Int32
    public let path: String

    init(path: String, task: Int, tasks: Int, phase: BuildPhase, output: String) throws {
        self.path = path
        descriptor = try PosixFile.check("open", path) { open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }
        if flock(descriptor, LOCK_EX | LOCK_NB) == -1 {
            let e = errno
            var holder = [UInt8](repeating: 0, count: 256)
            let n = holder.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress!, 255, 0) }
            _ = close(descriptor)
            if e == EWOULDBLOCK {
                let who = n > 0 ? String(decoding: holder[0..<n], as: UTF8.self).trimmingSuffixNewline : "another process"
                if tasks == 1 {
                    throw BuildTaskFiles.TaskError(message: "another build into \(output) is running (\(who) holds \(path)); two builds into one folder at once are refused: wait for it, or use another --output")
                }
                throw BuildTaskFiles.TaskError(message: "task \(task) of the \(phase.rawValue) phase is already running (\(who) holds \(path)); two tasks with the same --task are refused")
            }
            throw SystemCallError(call: "flock", path: path, errno: e)
        }
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, 255)
        let note = Array("pid \(getpid()) on \(String(cString: host))\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = note.withUnsafeBytes { pwrite(descriptor, $0.baseAddress!, $0.count, 0) }
    }

    deinit {
        _ = flock(descriptor, LOCK_UN)
        _ = close(descriptor)
    }
}

extension String {
    fileprivate var trimmingSuffixNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
