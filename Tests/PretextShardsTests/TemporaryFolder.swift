import Foundation

/// A fresh folder under the system temporary directory for one test process.
final class TemporaryFolder: @unchecked Sendable {
    static let shared = TemporaryFolder()
    let path: String
    let lock = NSLock()
    var counter = 0

    init() {
        path = NSTemporaryDirectory() + "pretext-shards-tests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `contents` to a new uniquely named file and returns its path.
    func file(named name: String, contents: [UInt8]) throws -> String {
        lock.lock(); counter += 1; let n = counter; lock.unlock()
        let p = "\(path)/\(n)-\(name)"
        try Data(contents).write(to: URL(fileURLWithPath: p))
        return p
    }
}

extension TemporaryFolder {
    /// A new empty subfolder.
    func folder(named name: String) throws -> String {
        lock.lock(); counter += 1; let n = counter; lock.unlock()
        let p = "\(path)/\(n)-\(name)"
        try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }
}
