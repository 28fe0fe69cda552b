import Foundation
import PretextCore
import PretextShards

/// How a run folder names the shard folder it trains on, so that it can be resumed from any
/// working directory and after the shards moved.
///
/// `trainer_state.json` records the folder as an absolute path (made absolute against the
/// working directory when training started; symbolic links are kept as given) and the build's
/// identity: the configuration hash of the catalog's newest run and the XXH64 of its shard list
/// (every file with its checksum, in catalog order). A resume uses the recorded folder, or the
/// one `--shards` names, and refuses a folder whose identity differs.
public enum TrainingShards {
    /// `path` made absolute against the working directory, without `.` components or a
    /// trailing slash.
    public static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `config <hash> shards <xxh64>` of the build in `folder`.
    public static func identity(of folder: String) throws -> String {
        let catalog = try Catalog(folder: folder)
        guard let run = try catalog.runs().last else { throw TrainingError(message: "\(folder) holds no finished build (its catalog has no run)") }
        var list = ""
        for shard in try catalog.shards() { list += "\(shard.file.relative) \(String(shard.checksum, radix: 16))\n" }
        return "config \(run.configHash) shards \(String(XXHash64.hash(list.utf8), radix: 16))"
    }

    /// The folder a resumed run trains on: `override` (`--shards`) or the recorded one, checked
    /// against the recorded identity (states written before identities were recorded are not
    /// checked). Throws a `TrainingError` that says what to do when the folder is missing or
    /// holds another build.
    public static func resolve(recorded: String, identity: String?, override: String?, run: String) throws -> String {
        let folder = override.map(absolute) ?? recorded
        guard PosixFile.exists(folder + "/" + Catalog.fileName) else {
            if override != nil { throw TrainingError(message: "--shards \(override!): no shard folder there (no \(Catalog.fileName))") }
            throw TrainingError(message: "\(run) trained on \(recorded), which holds no shards now; if they moved, pass --shards with their new place")
        }
        if let identity {
            let found = try Self.identity(of: folder)
            guard found == identity else {
                throw TrainingError(message: "\(folder) holds another build than the one \(run) trained on (\(found); the run recorded \(identity)); resume with the same shards")
            }
        }
        return folder
    }
}
