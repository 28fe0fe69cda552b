/// Constants of shard format v1. docs/FORMAT.md is the byte-for-byte specification; keep
/// the two in step.
public enum ShardFormat {
    /// First 8 bytes of every shard file.
    public static let headerMagic: [UInt8] = Array("PTXSHARD".utf8)
    /// Last 8 bytes of every shard file.
    public static let footerMagic: [UInt8] = Array("PTXFOOT1".utf8)
    public static let majorVersion: UInt16 = 1
    /// The newest minor version this code reads and writes. A file declares the lowest that
    /// describes it (`ShardSchema.minorVersion`): 1.1 added segment boundaries without pair labels.
    public static let minorVersion: UInt16 = 1

    /// Size of the fixed part of the header, before the schema.
    public static let fixedHeaderLength = 64
    /// Size of one block index entry.
    public static let indexEntryLength = 32
    /// Size of the footer.
    public static let footerLength = 64

    /// Largest header (fixed part + schema + metadata + checksum) a reader accepts.
    public static let maxHeaderLength = 1 << 20
    /// Largest uncompressed block a reader accepts, whatever the header declares.
    public static let maxBlockLengthCap = 1 << 30
    /// LZ4 cannot expand data by more than 255× (each literal-free sequence byte yields at most
    /// 255 output bytes); a declared size above this bound is rejected before allocating.
    public static let maxLZ4ExpansionRatio = 255

    /// Default target size of an uncompressed block (records are appended until a block
    /// reaches it). 64 KiB matches LZ4's window and keeps random access cheap.
    public static let defaultBlockTargetLength = 64 << 10
    /// Default ceiling on one uncompressed block; a single record larger than this is refused.
    public static let defaultBlockLengthLimit = 64 << 20

    /// File name extension of shard files.
    public static let fileExtension = "ptxs"
}

/// Compression codec of the blocks (header byte 17).
public enum ShardCodec: UInt8, Sendable {
    /// LZ4 block format (`LZ4_compress_default`, i.e. `lz4 -1`).
    case lz4Block = 1
}

/// A reversible transform applied to each column before compression (header byte 18).
///
/// Measured on the bert-base-uncased token ids of dev-en in 64 KiB blocks (LZ4 level 1;
/// docs/FORMAT.md, "Filters"): plain u16 ids compress 1.37×, byte-shuffled 1.19×,
/// delta-coded 1.21× — plain wins, because LZ4's matches on u16 ids are repeated phrases,
/// which shuffling breaks into planes with much shorter matches. For u32 ids the two zero-ish
/// high-byte planes shuffle into long runs: 2.33× against 2.20× plain.
public enum ShardFilter: UInt8, Sendable, CaseIterable {
    /// Columns are stored as little-endian arrays.
    case none = 0
    /// Each column of k-byte values is stored as k planes: all byte 0s, then all byte 1s,
    /// … (Blosc's "shuffle").
    case byteShuffle = 1

    /// The filter that compressed best in the measurement above for this token width.
    public static func recommended(forTokenWidth width: Int) -> ShardFilter {
        width == 2 ? .none : .byteShuffle
    }
}
