/// Byte-plane shuffling of little-endian integer arrays (the `byteShuffle` filter).
///
/// `n` values of `k` bytes are written as `k` planes of `n` bytes: plane j holds byte j of
/// every value. The inverse gathers them back. Both directions are single passes with no
/// allocation; the caller owns the buffers.
public enum ByteShuffle {
    /// Writes `values` as little-endian integers of width `k` (1, 2, 4 or 8 bytes; higher
    /// bytes are dropped) into `out`, as byte planes when `shuffle` is true.
    /// `out.count == values.count * k`.
    @inline(__always)
    public static func encode(_ values: UnsafeBufferPointer<UInt64>, width k: Int, shuffle: Bool, into out: UnsafeMutableRawBufferPointer) {
        let n = values.count
        precondition(out.count == n * k)
        guard let dst = out.baseAddress else { return }
        let bytes = dst.assumingMemoryBound(to: UInt8.self)
        if shuffle || k == 1 {
            for j in 0..<k {
                let plane = bytes + j * n
                let shift = UInt64(8 * j)
                for i in 0..<n { plane[i] = UInt8(truncatingIfNeeded: values[i] >> shift) }
            }
        } else {
            for i in 0..<n {
                for j in 0..<k { bytes[i * k + j] = UInt8(truncatingIfNeeded: values[i] >> UInt64(8 * j)) }
            }
        }
    }

    /// Writes `UInt32` values (token ids, positions) with on-disk width `k` (2 or 4).
    @inline(__always)
    public static func encode(_ values: UnsafeBufferPointer<UInt32>, width k: Int, shuffle: Bool, into out: UnsafeMutableRawBufferPointer) {
        let n = values.count
        precondition(out.count == n * k)
        guard let dst = out.baseAddress else { return }
        let bytes = dst.assumingMemoryBound(to: UInt8.self)
        if k == 2 {
            if shuffle {
                for i in 0..<n { bytes[i] = UInt8(truncatingIfNeeded: values[i]) }
                for i in 0..<n { bytes[n + i] = UInt8(truncatingIfNeeded: values[i] >> 8) }
            } else {
                for i in 0..<n { dst.storeBytes(of: UInt16(truncatingIfNeeded: values[i]).littleEndian, toByteOffset: 2 * i, as: UInt16.self) }
            }
        } else {
            if shuffle {
                for j in 0..<4 {
                    let plane = bytes + j * n
                    let s = UInt32(8 * j)
                    for i in 0..<n { plane[i] = UInt8(truncatingIfNeeded: values[i] >> s) }
                }
            } else {
                for i in 0..<n { dst.storeBytes(of: values[i].littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            }
        }
    }

    /// Reads `count` values of width `k` (1, 2, 4, 8) from `src` (planes or plain) into `out`.
    @inline(__always)
    public static func decode(_ src: UnsafeRawBufferPointer, width k: Int, count n: Int, shuffled: Bool, into out: UnsafeMutablePointer<UInt64>) {
        precondition(src.count == n * k)
        guard let base = src.baseAddress else { return }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        if k == 1 {
            for i in 0..<n { out[i] = UInt64(bytes[i]) }
        } else if !shuffled {
            switch k {
            case 2: for i in 0..<n { out[i] = UInt64(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case 4: for i in 0..<n { out[i] = UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            default: for i in 0..<n { out[i] = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
            }
        } else {
            for i in 0..<n { out[i] = 0 }
            for j in 0..<k {
                let plane = bytes + j * n
                let s = UInt64(8 * j)
                for i in 0..<n { out[i] |= UInt64(plane[i]) << s }
            }
        }
    }

    /// Reads `count` values of width `k` (2 or 4) into `out` as `UInt32`, returning the
    /// largest value seen (for range checks at no extra pass).
    @inline(__always)
    public static func decode32(_ src: UnsafeRawBufferPointer, width k: Int, count n: Int, shuffled: Bool, into out: UnsafeMutablePointer<UInt32>) -> UInt32 {
        precondition(src.count == n * k)
        guard let base = src.baseAddress else { return 0 }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        var maxID: UInt32 = 0
        if k == 2 {
            if shuffled {
                let hi = bytes + n
                for i in 0..<n {
                    let v = UInt32(bytes[i]) | (UInt32(hi[i]) << 8)
                    out[i] = v
                    maxID = max(maxID, v)
                }
            } else {
                // The hot path of every u16 shard: widen 16 ids at a time with SIMD.
                var i = 0
                var maxVector = SIMD16<UInt32>(repeating: 0)
                let outRaw = UnsafeMutableRawPointer(out)
                while i + 16 <= n {
                    let v = SIMD16<UInt32>(truncatingIfNeeded: base.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self))
                    outRaw.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD16<UInt32>.self)
                    maxVector = pointwiseMax(maxVector, v)
                    i += 16
                }
                maxID = maxVector.max()
                while i < n {
                    let v = UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                    out[i] = v
                    maxID = max(maxID, v)
                    i += 1
                }
            }
        } else {
            if shuffled {
                let b1 = bytes + n, b2 = bytes + 2 * n, b3 = bytes + 3 * n
                for i in 0..<n {
                    let v = UInt32(bytes[i]) | UInt32(b1[i]) << 8 | UInt32(b2[i]) << 16 | UInt32(b3[i]) << 24
                    out[i] = v
                    maxID = max(maxID, v)
                }
            } else {
                for i in 0..<n {
                    let v = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                    out[i] = v
                    maxID = max(maxID, v)
                }
            }
        }
        return maxID
    }

    /// The largest of `count` values of width `k` (2 or 4) in `src` (planes or plain), read
    /// in place; 0 when `count` is 0. Used to range-check ids without copying them.
    public static func maximum(_ src: UnsafeRawBufferPointer, width k: Int, count n: Int, shuffled: Bool) -> UInt32 {
        precondition(src.count == n * k)
        guard n > 0, let base = src.baseAddress else { return 0 }
        if shuffled {
            // The top plane decides: the largest value has the largest top byte.
            let bytes = base.assumingMemoryBound(to: UInt8.self)
            var best: UInt32 = 0
            var candidates: [Int] = []
            var topMax: UInt8 = 0
            let top = bytes + (k - 1) * n
            for i in 0..<n { topMax = max(topMax, top[i]) }
            for i in 0..<n where top[i] == topMax { candidates.append(i) }
            for i in candidates {
                var v: UInt32 = 0
                for j in 0..<k { v |= UInt32(bytes[j * n + i]) << UInt32(8 * j) }
                best = max(best, v)
            }
            return best
        }
        var i = 0
        var result: UInt32 = 0
        if k == 2 {
            var m = SIMD16<UInt16>(repeating: 0)
            while i + 16 <= n {
                m = pointwiseMax(m, base.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self))
                i += 16
            }
            result = UInt32(m.max())
            while i < n { result = max(result, UInt32(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))); i += 1 }
        } else {
            var m = SIMD8<UInt32>(repeating: 0)
            while i + 8 <= n {
                m = pointwiseMax(m, base.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<UInt32>.self))
                i += 8
            }
            result = m.max()
            while i < n { result = max(result, UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))); i += 1 }
        }
        return result
    }
}
