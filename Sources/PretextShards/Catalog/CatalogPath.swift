/// A path inside the catalog's folder, stored relative to it.
///
/// Accepts only relative paths whose components are not empty, `.` or `..` and contain no
/// NUL, so joining one to the folder can never point outside it (symbolic links inside the
/// folder are the user's business). Everything the catalog owns (shard files) is named by
/// a `CatalogPath`.
public struct CatalogPath: Hashable, Sendable, CustomStringConvertible {
    public let relative: String

    /// Rejected: absolute, empty, `..`, `.`, empty components, NUL.
    public struct EscapeError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "path \"\(path)\" is not allowed in the catalog: \(reason)" }
    }

    public init(_ relative: String) throws {
        guard !relative.isEmpty else { throw EscapeError(path: relative, reason: "empty") }
        guard !relative.hasPrefix("/") else { throw EscapeError(path: relative, reason: "absolute paths are not stored; use a path relative to the catalog") }
        guard !relative.utf8.contains(0) else { throw EscapeError(path: relative, reason: "contains NUL") }
        for part in relative.split(separator: "/", omittingEmptySubsequences: false) {
            if part.isEmpty { throw EscapeError(path: relative, reason: "empty component") }
            if part == ".." { throw EscapeError(path: relative, reason: "escapes the catalog folder") }
            if part == "." { throw EscapeError(path: relative, reason: "'.' component") }
        }
        self.relative = relative
    }

    /// `path` relative to `folder`, when `path` is `folder/…`; throws if it lies elsewhere.
    public init(path: String, inFolder folder: String) throws {
        let base = folder.hasSuffix("/") ? folder : folder + "/"
        guard path.hasPrefix(base) else { throw EscapeError(path: path, reason: "not inside \(folder)") }
        try self.init(String(path.dropFirst(base.count)))
    }

    /// The full path under `folder`.
    public func resolved(in folder: String) -> String { folder + "/" + relative }

    public var description: String { relative }
}
