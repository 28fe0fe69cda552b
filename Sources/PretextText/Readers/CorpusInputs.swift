#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PretextCore

/// The text format of every input of a run.
public enum CorpusFormat: Sendable, Equatable {
    /// BERT text format: one sentence per line, a blank line between documents.
    case bert
    /// Plain text: documents separated by blank lines, one paragraph per line.
    case paragraphs
    /// JSON Lines: the string in `textField` is a document; `idField` (if any) its external id.
    case jsonl(textField: String = "text", idField: String? = nil)
}

/// One input file of a run, in order, not yet opened.
public struct CorpusInput: Sendable, Equatable {
    /// The file's path as given or as found in a folder (`"-"`: standard input).
    public let path: String
    /// Position in the run's input list (0, 1, 2, …); every document of the input carries it.
    public let ordinal: UInt32
    public let compression: InputCompression
}

/// An input that cannot be used, found before anything is read: it does not exist, is
/// unreadable, is neither a file nor a folder, or is a folder without input files.
public struct CorpusInputError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// Something about the inputs found while listing them, before anything is read: a folder
/// entry that is not an input (skipped), or an input file with no bytes. Every task of a
/// build lists the same inputs, so every task finds the same notices.
public struct InputNotice: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// A folder entry that cannot be an input — a dangling symbolic link, a FIFO, a
        /// socket, a device — skipped; the folder's other files are read.
        case skippedEntry = "input_skipped_entries"
        /// An input file of 0 bytes: no documents.
        case emptyFile = "input_empty_files"
    }
    public let kind: Kind
    public let path: String
    public let what: String

    /// `path: what`, as problems are printed.
    public var description: String { "\(path): \(what)" }
}

/// The ordered list of a run's input files, and a factory for their readers.
///
/// `open` expands folders and checks every input up front (so a missing or unreadable path
/// fails before anything is processed), assigns input ordinals in order and detects
/// compression by extension (`InputCompression`). Readers are then made one at a time
/// (`forEachReader`, `makeReader`): at most one input is open at once.
///
/// Folders: every regular file whose name does not start with `.` (hidden files and hidden
/// folders are skipped), recursively unless `options.recursiveFolders` is false. Files are
/// ordered by their path relative to the folder, compared bytewise (as `LC_ALL=C sort`
/// orders `find` output), so the order — and the ordinals — are the same on every machine.
/// Symbolic links are followed; a folder reached twice (a link cycle) is read once. Entries
/// that cannot be inputs — dangling links, FIFOs, sockets, devices — are skipped, and they and
/// empty files are listed in `notices` (the build logs and counts them).
/// Paths given one by one keep the order they were given in. `"-"` is standard input (at
/// most once, never compressed).
public struct CorpusInputs: Sendable {
    public let inputs: [CorpusInput]
    public let format: CorpusFormat
    public let options: ReaderOptions
    /// Skipped folder entries and empty files, in listing order.
    public let notices: [InputNotice]

    /// Expands and checks `paths`; throws `CorpusInputError` or `SystemCallError` naming the path.
    public static func open(paths: [String], format: CorpusFormat, options: ReaderOptions = ReaderOptions()) throws -> CorpusInputs {
        var files: [String] = []
        var notices: [InputNotice] = []
        var sawStandardInput = false
        for path in paths {
            if path == "-" {
                guard !sawStandardInput else { throw CorpusInputError(path: path, reason: "standard input given twice") }
                sawStandardInput = true
                files.append(path)
                continue
            }
            var st = stat()
            guard stat(path, &st) == 0 else {
                let e = errno
                throw CorpusInputError(path: path, reason: e == ENOENT ? "no such file or folder" : String(cString: strerror(e)))
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR:
                let found = try listFolder(path, recursive: options.recursiveFolders, notices: &notices)
                guard !found.isEmpty else { throw CorpusInputError(path: path, reason: "folder holds no input files") }
                files.append(contentsOf: found)
            case S_IFREG, S_IFIFO, S_IFCHR:
                guard access(path, R_OK) == 0 else { throw CorpusInputError(path: path, reason: "not readable") }
                if st.st_mode & S_IFMT == S_IFREG && st.st_size == 0 {
                    notices.append(InputNotice(kind: .emptyFile, path: path, what: "empty file, no documents"))
                }
                files.append(path)
            default:
                throw CorpusInputError(path: path, reason: "neither a file nor a folder")
            }
        }
        guard files.count <= Int(UInt32.max) else {
            throw CorpusInputError(path: paths.first ?? "", reason: "more than \(UInt32.max) input files")
        }
        let inputs = files.enumerated().map { i, path in
            CorpusInput(path: path, ordinal: UInt32(i), compression: path == "-" ? .none : InputCompression(path: path))
        }
        return CorpusInputs(inputs: inputs, format: format, options: options, notices: notices)
    }

    /// Opens `input` and makes the reader for the run's format.
    public func makeReader(for input: CorpusInput) throws -> any DocumentReader {
        try makeReader(for: input, source: input.compression.openSource(path: input.path, options: options), atInputStart: true)
    }

    /// The reader of the run's format over `source`, which holds `input` or (`atInputStart`
    /// false) a part of it that starts at a `DocumentBoundaries` boundary.
    public func makeReader(for input: CorpusInput, source: any ByteSource, atInputStart: Bool) -> any DocumentReader {
        switch format {
        case .bert:
            return BertTextFormatReader(source: source, inputOrdinal: input.ordinal, options: options, atInputStart: atInputStart)
        case .paragraphs:
            return ParagraphTextReader(source: source, inputOrdinal: input.ordinal, options: options, atInputStart: atInputStart)
        case .jsonl(let textField, let idField):
            return JSONLinesReader(source: source, inputOrdinal: input.ordinal, textField: textField, idField: idField,
                                   options: options, atInputStart: atInputStart)
        }
    }

    /// Calls `body` with the reader of every input in order; each reader (and its file) is
    /// released before the next is opened, unless `body` keeps it.
    public func forEachReader(_ body: (any DocumentReader) throws -> Void) throws {
        for input in inputs {
            try body(makeReader(for: input))
        }
    }

    /// Reads every document of every input in order; returns the summed report.
    @discardableResult
    public func forEachDocument(_ body: (Document) throws -> Void) throws -> ReaderReport {
        var total = ReaderReport()
        try forEachReader { reader in
            defer { total += reader.report }
            try reader.forEachDocument(body)
        }
        return total
    }

    /// Regular files under `folder`, not hidden, sorted bytewise by relative path. Entries
    /// that are neither files nor folders (dangling links, FIFOs, sockets, devices) and empty
    /// files are added to `notices` (in that same order); an entry that cannot be examined
    /// for another reason (permissions, I/O) is an error.
    static func listFolder(_ folder: String, recursive: Bool, notices: inout [InputNotice]) throws -> [String] {
        let root = folder.count > 1 && folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        var relative: [[UInt8]] = []
        var found: [(relative: [UInt8], notice: InputNotice)] = []
        var visited = Set<[UInt64]>()
        func walk(_ rel: String) throws {
            let dir = rel.isEmpty ? root : root + "/" + rel
            var st = stat()
            if stat(dir, &st) == 0 {
                guard visited.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { return }
            }
            for name in try PosixFile.listDirectory(dir) where !name.hasPrefix(".") {
                let childRel = rel.isEmpty ? name : rel + "/" + name
                let child = root + "/" + childRel
                var cst = stat()
                guard stat(child, &cst) == 0 else {
                    let e = errno
                    var lst = stat()
                    if e == ENOENT && lstat(child, &lst) == 0 && lst.st_mode & S_IFMT == S_IFLNK {
                        found.append((Array(childRel.utf8), InputNotice(kind: .skippedEntry, path: child, what: "dangling symbolic link skipped")))
                        continue
                    }
                    throw CorpusInputError(path: child, reason: String(cString: strerror(e)))
                }
                switch cst.st_mode & S_IFMT {
                case S_IFREG:
                    guard access(child, R_OK) == 0 else { throw CorpusInputError(path: child, reason: "not readable") }
                    relative.append(Array(childRel.utf8))
                    if cst.st_size == 0 {
                        found.append((Array(childRel.utf8), InputNotice(kind: .emptyFile, path: child, what: "empty file, no documents")))
                    }
                case S_IFDIR:
                    if recursive { try walk(childRel) }
                default:
                    // Pipes, sockets and devices inside folders are not inputs (a FIFO would block
                    // the build until something writes to it).
                    let kind = cst.st_mode & S_IFMT == S_IFIFO ? "FIFO" : cst.st_mode & S_IFMT == S_IFSOCK ? "socket" : "device"
                    found.append((Array(childRel.utf8), InputNotice(kind: .skippedEntry, path: child, what: "\(kind) skipped (not a regular file)")))
                }
            }
        }
        try walk("")
        relative.sort { $0.lexicographicallyPrecedes($1) }
        notices += found.sorted { $0.relative.lexicographicallyPrecedes($1.relative) }.map(\.notice)
        let prefix = root == "/" ? "/" : root + "/"
        return relative.map { prefix + String(decoding: $0, as: UTF8.self) }
    }
}
