#if canImport(Glibc)
import Glibc
#endif
import CZstd
import PretextCore

/// Decompresses a Zstandard stream from another `ByteSource`, with libzstd's streaming
/// `ZSTD_decompressStream`.
///
/// Concatenated frames (and skippable frames) are read as one stream. Every call's result
/// is checked with `ZSTD_isError`; a failure throws `CompressedInputError` with
/// `ZSTD_getErrorName`, the path and the compressed byte offset, as does an input that ends
/// inside a frame. An empty file is an empty input. Memory: libzstd's decoder state and
/// window (frames asking for a window over libzstd's default limit of 128 MiB are refused
/// by libzstd) plus one input chunk.
public final class ZstdByteSource: ByteSource {
    public let path: String
    /// Frames with a window beyond 2^windowLogMax bytes are refused.
    public let windowLogMax: Int
    private let upstream: any ByteSource
    private let stream: OpaquePointer
    private let input: UnsafeMutableRawBufferPointer
    private var inBuffer: ZSTD_inBuffer
    private var compressedRead: UInt64 = 0
    private var upstreamEnded = false
    /// The last `ZSTD_decompressStream` result: 0 when no frame is open or unflushed.
    private var pending = 0

    /// The largest window a frame may ask for, as a power of two: 2^23 = 8 MiB, what every
    /// `zstd` level up to 19 uses. libzstd allocates the window when a frame starts, so without
    /// a bound a 25-byte file could claim 128 MiB (found by the fuzzer); frames written with
    /// `--ultra -20`…`-22` or `--long` need `input.zstd_window_log_max` raised (at most 31).
    public static let defaultWindowLogMax = 23

    /// Reads compressed bytes from `upstream` in chunks of `inputChunk` bytes
    /// (default `ZSTD_DStreamInSize()`); refuses frames whose window exceeds 2^`windowLogMax`.
    public init(wrapping upstream: any ByteSource, inputChunk: Int = ZSTD_DStreamInSize(),
                windowLogMax: Int = ZstdByteSource.defaultWindowLogMax) throws {
        precondition((10...31).contains(windowLogMax))
        self.windowLogMax = windowLogMax
        precondition(inputChunk > 0)
        path = upstream.path
        self.upstream = upstream
        guard let ds = ZSTD_createDStream() else {
            throw CompressedInputError(path: upstream.path, compression: .zstd, compressedOffset: 0,
                                       reason: "ZSTD_createDStream failed")
        }
        let rc = ZSTD_initDStream(ds)
        if ZSTD_isError(rc) != 0 {
            ZSTD_freeDStream(ds)
            throw CompressedInputError(path: upstream.path, compression: .zstd, compressedOffset: 0,
                                       reason: String(cString: ZSTD_getErrorName(rc)))
        }
        let limit = ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax, Int32(windowLogMax))
        if ZSTD_isError(limit) != 0 {
            ZSTD_freeDStream(ds)
            throw CompressedInputError(path: upstream.path, compression: .zstd, compressedOffset: 0,
                                       reason: "ZSTD_d_windowLogMax \(windowLogMax): " + String(cString: ZSTD_getErrorName(limit)))
        }
        stream = ds
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: inputChunk, alignment: 16)
        input = buffer
        inBuffer = ZSTD_inBuffer(src: buffer.baseAddress, size: 0, pos: 0)
    }

    deinit {
        ZSTD_freeDStream(stream)
        input.deallocate()
    }

    private var offset: UInt64 { compressedRead - UInt64(inBuffer.size - inBuffer.pos) }

    /// At a frame boundary: the next frame must be a zstd 1.x frame (magic 0xFD2FB528) or a
    /// skippable one (0x184D2A5?). libzstd also decodes the pre-1.0 formats (v0.1–v0.7), but
    /// their decoders ignore the window limit: a 122-byte v0.6 frame made it allocate 64 MiB
    /// (found by the fuzzer), so they are refused. Moves the unread bytes to the buffer's start
    /// and reads more when fewer than four are left.
    private func checkFrameMagic() throws {
        while inBuffer.size - inBuffer.pos < 4 && !upstreamEnded {
            let have = inBuffer.size - inBuffer.pos
            if have > 0 && inBuffer.pos > 0 { memmove(input.baseAddress!, input.baseAddress! + inBuffer.pos, have) }
            let n = try upstream.read(into: UnsafeMutableRawBufferPointer(rebasing: input[have...]))
            if n == 0 { upstreamEnded = true } else { compressedRead += UInt64(n) }
            inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: have + n, pos: 0)
        }
        guard inBuffer.size - inBuffer.pos >= 4 else { return }  // too short for a frame: the decoder says so
        let magic = UnsafeRawPointer(input.baseAddress! + inBuffer.pos).loadUnaligned(as: UInt32.self).littleEndian
        guard magic == 0xFD2F_B528 || magic & 0xFFFF_FFF0 == 0x184D_2A50 else {
            throw failure("not a zstd 1.x frame (magic 0x\(String(magic, radix: 16))); frames of the pre-1.0 formats are not read")
        }
    }

    private func failure(_ reason: String) -> CompressedInputError {
        CompressedInputError(path: path, compression: .zstd, compressedOffset: offset, reason: reason)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if buffer.count == 0 { return 0 }
        var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while true {
            if inBuffer.pos == inBuffer.size && !upstreamEnded {
                let n = try upstream.read(into: input)
                if n == 0 {
                    upstreamEnded = true
                } else {
                    compressedRead += UInt64(n)
                    inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: n, pos: 0)
                }
            }
            let exhausted = inBuffer.pos == inBuffer.size && upstreamEnded
            if exhausted && pending == 0 { return 0 }
            if pending == 0 { try checkFrameMagic() }
            let rc = ZSTD_decompressStream(stream, &out, &inBuffer)
            if ZSTD_isError(rc) != 0 {
                var reason = String(cString: ZSTD_getErrorName(rc))
                if ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge {
                    reason += " (the frame's window is larger than 2^\(windowLogMax) bytes: set input.zstd_window_log_max up to 31 to allow it)"
                }
                throw failure(reason)
            }
            pending = rc
            if out.pos > 0 { return out.pos }
            if exhausted {
                // Nothing left to read and nothing flushed, yet the frame is not complete.
                throw failure("truncated: the input ends inside a zstd frame")
            }
        }
    }
}
