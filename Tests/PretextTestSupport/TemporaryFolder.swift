import Foundation

/// A fresh folder under the system temporary directory for one test process, with helpers
/// that hand out unique file and folder names inside it (safe from parallel tests).
public final class TemporaryFolder: @unchecked Sendable {
    public static let shared = TemporaryFolder()
    public let path: String
    private let lock = NSLock()
    private var counter = 0

    init() {
        path = NSTemporaryDirectory() + "pretext-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    private func uniqueName(_ name: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        counter += 1
        return "\(path)/\(counter)-\(name)"
    }

    /// Writes `contents` to a new uniquely named file and returns its path.
    public func file(named name: String, contents: [UInt8]) throws -> String {
        let p = uniqueName(name)
        try Data(contents).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Writes `text` as UTF-8 to a new uniquely named file and returns its path.
    public func file(named name: String, text: String) throws -> String {
        try file(named: name, contents: Array(text.utf8))
    }

    /// A new empty subfolder.
    public func folder(named name: String) throws -> String {
        let p = uniqueName(name)
        try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}
