import Foundation
import PretextCore

/// The safetensors format (Hugging Face): `u64` little-endian header length N, N bytes of
/// JSON `{"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, …,
/// "__metadata__": {...}}`, then the tensors' little-endian bytes (offsets relative to the
/// data section). Pretext writes F32 tensors sorted by name, contiguous, and string metadata.
public enum SafeTensors {
    public struct Tensor: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Writes `tensors` (F32) and `metadata` to `path` atomically (`.partial`, fsync, rename).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        var header: [String: Any] = [:]
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            precondition(t.shape.reduce(1, *) == t.values.count, "tensor \(name): shape \(t.shape) does not hold \(t.values.count) values")
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]]
            offset += 4 * t.values.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = LittleEndianWriter(capacity: 8 + json.count + offset)
        out.append(UInt64(json.count))
        out.append(bytes: [UInt8](json))
        for name in names { for v in tensors[name]!.values { out.append(v.bitPattern) } }
        let partial = path + ".partial"
        let file = try PosixFile(path: partial, mode: .createTruncate)
        try file.writeAll(out.bytes)
        try file.sync()
        try file.close()
        try PosixFile.rename(partial, to: path)
    }

    /// Reads every F32 tensor (F64 tensors are converted) and the metadata of `path`.
    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ m: String) -> FormatError { FormatError(path: path, message: m) }
        let file = try PosixFile(path: path, mode: .readOnly)
        defer { try? file.close() }
        let size = Int(try file.size())
        guard size >= 8 else { throw fail("shorter than the 8-byte header length") }
        let bytes = try file.read(count: size, at: 0)
        let n = bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) }
        guard n >= 2 && n <= size - 8 else { throw fail("header length \(n) does not fit the file of \(size) bytes") }
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let data = 8 + n
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                for (k, v) in value as? [String: Any] ?? [:] { metadata[k] = "\(v)" }
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [NSNumber])?.map(\.intValue), let range = (info["data_offsets"] as? [NSNumber])?.map(\.intValue),
                  range.count == 2 else { throw fail("tensor \(name): malformed entry") }
            let count = shape.reduce(1, *)
            let width = dtype == "F32" ? 4 : dtype == "F64" ? 8 : 0
            guard width > 0 else { throw fail("tensor \(name): dtype \(dtype) (F32 or F64 expected)") }
            guard range[0] >= 0, range[1] - range[0] == count * width, data + range[1] <= size, shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor \(name): offsets \(range) do not match shape \(shape) in a file of \(size) bytes")
            }
            let values: [Float] = bytes.withUnsafeBytes { raw in
                (0..<count).map { i in
                    let at = data + range[0] + i * width
                    return width == 4 ? Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
                        : Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))))
                }
            }
            tensors[name] = Tensor(shape: shape, values: values)
        }
        return (tensors, metadata)
    }
}
