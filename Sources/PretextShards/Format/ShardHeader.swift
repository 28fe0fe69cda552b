import PretextCore

/// The header of a shard file: fixed part, schema section, metadata, checksum.
///
/// Layout (docs/FORMAT.md, "Header"): 64 fixed bytes, then one schema entry per field
/// (`u8 type, u8 is_list, u8 name_length, name`), then `metadata_length` bytes of UTF-8
/// metadata, then the XXH64 of everything before it. Little endian throughout.
public struct ShardHeader: Sendable, Equatable {
    public var schema: ShardSchema
    public var codec: ShardCodec
    public var filter: ShardFilter
    /// Ids are below this (0 = not declared, not checked).
    public var vocabularySize: UInt32
    /// No uncompressed block in this file is larger (the writer refuses larger records).
    public var blockLengthLimit: UInt32
    /// Free-form UTF-8 (JSON by convention: task, tokenizer, special ids), at most 64 KiB.
    public var metadata: String

    public init(schema: ShardSchema, codec: ShardCodec = .lz4Block, filter: ShardFilter, vocabularySize: UInt32,
                blockLengthLimit: UInt32, metadata: String = "") {
        self.schema = schema
        self.codec = codec
        self.filter = filter
        self.vocabularySize = vocabularySize
        self.blockLengthLimit = blockLengthLimit
        self.metadata = metadata
    }

    public static let maxMetadataLength = 64 << 10

    /// The serialized header, checksum included.
    public func encoded() -> [UInt8] {
        var w = LittleEndianWriter(capacity: 256)
        let fields = schema.fields
        let meta = Array(metadata.utf8)
        precondition(meta.count <= Self.maxMetadataLength, "shard metadata over 64 KiB")
        let schemaLength = fields.reduce(0) { $0 + 3 + $1.name.utf8.count }
        let length = ShardFormat.fixedHeaderLength + schemaLength + meta.count + 8
        w.append(bytes: ShardFormat.headerMagic)
        w.append(ShardFormat.majorVersion)
        w.append(schema.minorVersion)
        w.append(UInt32(length))
        w.append(UInt8(schema.tokenWidth))
        w.append(codec.rawValue)
        w.append(filter.rawValue)
        w.append(UInt8(0))
        w.append(vocabularySize)
        w.append(blockLengthLimit)
        w.append(UInt16(fields.count))
        w.append(UInt16(0))
        w.append(UInt32(meta.count))
        w.appendZeros(ShardFormat.fixedHeaderLength - w.count)
        for f in fields {
            w.append(f.type.rawValue)
            w.append(UInt8(f.isList ? 1 : 0))
            w.append(UInt8(f.name.utf8.count))
            w.append(bytes: f.name.utf8)
        }
        w.append(bytes: meta)
        w.append(XXHash64.hash(w.bytes))
        precondition(w.count == length)
        return w.bytes
    }

    /// Reads the header length from the fixed part (bytes 0..<16), after checking magic and
    /// version, so the caller knows how much more to read.
    static func declaredLength(fixedPrefix p: UnsafeRawBufferPointer, path: String, fileSize: UInt64) throws -> Int {
        func fail(_ problem: String) -> ShardFormatError { ShardFormatError(path: path, region: .header, byteOffset: 0, problem: problem) }
        guard p.count >= 16 else { throw fail("file too short for a header") }
        guard Array(p[0..<8]) == ShardFormat.headerMagic else {
            throw fail("bad magic \(Array(p[0..<8])): not a Pretext shard")
        }
        var c = ByteCursor(p, offset: 8)
        let major: UInt16 = try c.read()
        let minor: UInt16 = try c.read()
        guard major == ShardFormat.majorVersion else {
            throw fail("format version \(major).\(minor) is not supported (this reader reads \(ShardFormat.majorVersion).x)")
        }
        let length = Int(try c.read(UInt32.self))
        guard length >= ShardFormat.fixedHeaderLength + 8, length <= ShardFormat.maxHeaderLength else {
            throw fail("header length \(length) outside \(ShardFormat.fixedHeaderLength + 8)...\(ShardFormat.maxHeaderLength)")
        }
        guard UInt64(length) + UInt64(ShardFormat.footerLength) <= fileSize else {
            throw fail("header length \(length) plus footer exceeds the file size \(fileSize): truncated file")
        }
        return length
    }

    /// Parses and validates a complete header (`bytes.count` == declared length).
    static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws -> ShardHeader {
        func fail(_ region: ShardFormatError.Region, _ offset: Int, _ problem: String) -> ShardFormatError {
            ShardFormatError(path: path, region: region, byteOffset: UInt64(offset), problem: problem)
        }
        let stored = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self))
        let computed = XXHash64.hash(UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 8)]))
        guard stored == computed else {
            throw fail(.header, 0, "header checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        var c = ByteCursor(bytes, offset: 16)
        do {
            let width = Int(try c.read(UInt8.self))
            guard width == 2 || width == 4 else { throw fail(.header, 16, "token width \(width) is not 2 or 4") }
            let codecByte: UInt8 = try c.read()
            guard let codec = ShardCodec(rawValue: codecByte) else { throw fail(.header, 17, "unknown codec \(codecByte)") }
            let filterByte: UInt8 = try c.read()
            guard let filter = ShardFilter(rawValue: filterByte) else { throw fail(.header, 18, "unknown filter \(filterByte)") }
            try c.skip(1)
            let vocab: UInt32 = try c.read()
            let limit: UInt32 = try c.read()
            guard limit > 0, Int(limit) <= ShardFormat.maxBlockLengthCap else {
                throw fail(.header, 24, "block length limit \(limit) outside 1...\(ShardFormat.maxBlockLengthCap)")
            }
            let fieldCount = Int(try c.read(UInt16.self))
            try c.skip(2)
            let metaLength = Int(try c.read(UInt32.self))
            c = ByteCursor(bytes, offset: ShardFormat.fixedHeaderLength)
            var fields: [ShardSchema.Field] = []
            guard fieldCount <= ShardSchema.knownFields.count else {
                throw fail(.schema, ShardFormat.fixedHeaderLength, "\(fieldCount) fields declared; format v1 has at most \(ShardSchema.knownFields.count)")
            }
            for _ in 0..<fieldCount {
                let at = c.offset
                let typeByte: UInt8 = try c.read()
                let isList: UInt8 = try c.read()
                let nameLength = Int(try c.read(UInt8.self))
                let name = String(decoding: try c.take(nameLength), as: UTF8.self)
                guard let type = ShardSchema.ValueType(rawValue: typeByte), isList <= 1 else {
                    throw fail(.schema, at, "field \"\(name)\" has unknown type \(typeByte)/\(isList)")
                }
                fields.append(ShardSchema.Field(name: name, type: type, isList: isList == 1))
            }
            var schema: ShardSchema
            switch ShardSchema.from(fields: fields) {
            case .success(let s): schema = s
            case .failure(let problem): throw fail(.schema, ShardFormat.fixedHeaderLength, problem.message)
            }
            schema.tokenWidth = width
            guard metaLength <= maxMetadataLength, metaLength == c.remaining - 8 else {
                throw fail(.header, c.offset, "metadata length \(metaLength) does not match the \(c.remaining - 8) bytes left in the header")
            }
            let meta = String(decoding: try c.take(metaLength), as: UTF8.self)
            return ShardHeader(schema: schema, codec: codec, filter: filter, vocabularySize: vocab, blockLengthLimit: limit, metadata: meta)
        } catch let e as ByteCursor.OutOfBounds {
            throw fail(.header, e.offset, "header ends early: \(e)")
        }
    }
}
