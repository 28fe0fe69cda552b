import CZlib
import PretextCore

/// Decompresses a gzip (or zlib) stream from another `ByteSource`, with zlib's streaming
/// `inflate`.
///
/// `inflateInit2` with window bits 15 + 32 detects the gzip or zlib header. Concatenated
/// gzip members (as `cat a.gz b.gz` makes, or `pigz`/`bgzip` write) are read one after the
/// other as one stream. Every zlib return code is checked: corrupt data, a bad CRC or
/// length, bytes after a member that do not start another member, and an input that ends
/// inside a member all throw `CompressedInputError` naming the path and the compressed byte
/// offset. An empty file is an empty input. Memory: zlib's 32 KiB window and state plus
/// one input chunk, whatever the file.
public final class GzipByteSource: ByteSource {
    public let path: String
    private let upstream: any ByteSource
    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutableRawBufferPointer
    private var compressedRead: UInt64 = 0
    private var upstreamEnded = false
    private var memberOpen = false
    private var finished = false

    /// Reads compressed bytes from `upstream` in chunks of `inputChunk` bytes.
    public init(wrapping upstream: any ByteSource, inputChunk: Int = 1 << 16) throws {
        precondition(inputChunk > 0)
        path = upstream.path
        self.upstream = upstream
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: inputChunk, alignment: 16)
        let rc = pretext_inflate_init(stream, 15 + 32)
        guard rc == Z_OK else {
            // deinit releases the buffers (inflateEnd ignores a stream that never started).
            throw CompressedInputError(path: upstream.path, compression: .gzip, compressedOffset: 0,
                                       reason: "inflateInit2 failed with zlib code \(rc)")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
    }

    /// Offset in the compressed input of the next byte zlib has not consumed.
    private var offset: UInt64 { compressedRead - UInt64(stream.pointee.avail_in) }

    private func failure(_ reason: String) -> CompressedInputError {
        CompressedInputError(path: path, compression: .gzip, compressedOffset: offset, reason: reason)
    }

    private func zlibMessage(_ rc: Int32) -> String {
        if let msg = stream.pointee.msg { return String(cString: msg) }
        return "zlib code \(rc)"
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if finished || buffer.count == 0 { return 0 }
        let capacity = min(buffer.count, Int(UInt32.max))
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(capacity)
        while true {
            if stream.pointee.avail_in == 0 && !upstreamEnded {
                let n = try upstream.read(into: input)
                if n == 0 {
                    upstreamEnded = true
                } else {
                    compressedRead += UInt64(n)
                    stream.pointee.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_in = uInt(n)
                }
            }
            if stream.pointee.avail_in == 0 && upstreamEnded {
                if memberOpen { throw failure("truncated: the input ends inside a gzip member") }
                finished = true
                return 0
            }
            memberOpen = true
            let rc = inflate(stream, Z_NO_FLUSH)
            let produced = capacity - Int(stream.pointee.avail_out)
            switch rc {
            case Z_OK:
                break
            case Z_STREAM_END:
                // End of one member; whatever follows must be another member.
                memberOpen = false
                let reset = inflateReset(stream)
                guard reset == Z_OK else { throw failure("inflateReset failed with zlib code \(reset)") }
            case Z_BUF_ERROR:
                // No progress possible: zlib wants more input (refilled above, or truncation).
                guard stream.pointee.avail_in == 0 else { throw failure("inflate made no progress (zlib code \(rc))") }
            case Z_NEED_DICT:
                throw failure("the stream needs a preset dictionary")
            default:  // Z_DATA_ERROR, Z_STREAM_ERROR, Z_MEM_ERROR
                throw failure(zlibMessage(rc))
            }
            if produced > 0 { return produced }
        }
    }
}
