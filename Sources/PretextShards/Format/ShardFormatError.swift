/// Why a shard file was rejected: the file, the region, the byte offset, and what was wrong.
///
/// Readers throw this for every structural problem (bad magic, unknown version, checksum
/// mismatch, sizes that exceed the declared bounds or the file, truncation, inconsistent
/// record counts). The description reads
/// `shards/x/part-00003.ptxs: block 7 at byte 458752: checksum mismatch (…)`.
public struct ShardFormatError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Which part of the file the problem is in (see docs/FORMAT.md).
    public enum Region: Sendable, Equatable, CustomStringConvertible {
        case file
        case header
        case schema
        case block(Int)
        case index
        case footer

        public var description: String {
            switch self {
            case .file: return "file"
            case .header: return "header"
            case .schema: return "schema"
            case .block(let b): return "block \(b)"
            case .index: return "index"
            case .footer: return "footer"
            }
        }
    }

    public let path: String
    public let region: Region
    /// Absolute byte offset in the file where the offending structure starts.
    public let byteOffset: UInt64
    public let problem: String

    public init(path: String, region: Region, byteOffset: UInt64, problem: String) {
        self.path = path
        self.region = region
        self.byteOffset = byteOffset
        self.problem = problem
    }

    public var description: String { "\(path): \(region) at byte \(byteOffset): \(problem)" }
}
