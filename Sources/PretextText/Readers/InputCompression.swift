import PretextCore

/// How an input file is compressed, decided by its extension (case-insensitive):
/// `.gz` → gzip, `.zst` / `.zstd` → Zstandard, anything else (and `"-"`, standard input)
/// → none.
public enum InputCompression: String, Sendable, Equatable {
    case none
    case gzip
    case zstd

    public init(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(".gz") {
            self = .gzip
        } else if lower.hasSuffix(".zst") || lower.hasSuffix(".zstd") {
            self = .zstd
        } else {
            self = .none
        }
    }

    /// Opens `path` (`"-"`: standard input) and wraps it in the matching decompressor
    /// (`options.zstdWindowLogMax` bounds a zstd frame's window).
    public func openSource(path: String, options: ReaderOptions = ReaderOptions()) throws -> any ByteSource {
        let file = try FileByteSource(path: path)
        switch self {
        case .none: return file
        case .gzip: return try GzipByteSource(wrapping: file)
        case .zstd: return try ZstdByteSource(wrapping: file, windowLogMax: options.zstdWindowLogMax)
        }
    }
}

/// A compressed input that cannot be decoded: corrupt data, a truncated stream, or a
/// decompressor that failed to start. Names the input's path and the (0-based) offset in
/// the compressed bytes where decoding stopped.
public struct CompressedInputError: Error, CustomStringConvertible, Sendable, Equatable {
    public let path: String
    public let compression: InputCompression
    /// The decoder's position in the compressed file when it failed, in bytes: for gzip just
    /// past the bytes zlib rejected; for zstd the start of the failing decode step (libzstd
    /// does not report a finer position), so the fault lies at or after it; for a truncated
    /// stream, the end of the file.
    public let compressedOffset: UInt64
    public let reason: String

    public init(path: String, compression: InputCompression, compressedOffset: UInt64, reason: String) {
        self.path = path
        self.compression = compression
        self.compressedOffset = compressedOffset
        self.reason = reason
    }

    public var description: String {
        "\(path): \(compression.rawValue) input cannot be decoded at compressed byte offset \(compressedOffset): \(reason)"
    }
}
