/// The fields a shard stores for each record, as named in the header's schema section.
///
/// Format v1 knows seven fields. Three are always present (`tokens`, `input_ordinal`,
/// `document_ordinal`); `pair_label` needs `segment_boundary` (pair tasks store both; since
/// v1.1 segment tasks such as ELECTRA's store the boundary alone), and the static-masking
/// fields (`masked_positions`, `masked_ids`) are present together or not at all. A reader
/// rejects a schema that names an unknown field, gives a known field another type, or breaks
/// those pairings.
public struct ShardSchema: Sendable, Equatable {
    /// Width of one token id on disk: 2 bytes when every id fits in `UInt16`, else 4.
    public var tokenWidth: Int
    /// Pair tasks (NSP, SOP): each record stores a pair label (and, as `hasSegments` then is
    /// true too, where segment B starts).
    public var hasPairs: Bool
    /// Each record stores where segment B starts (`segment_boundary`): pair tasks, and segment
    /// tasks without a pair label (ELECTRA). Always true when `hasPairs` is.
    public var hasSegments: Bool
    /// Static masking: each record stores masked positions and the original ids there.
    public var hasMasks: Bool

    /// A schema with the pair fields both present (`hasPairs`) or both absent.
    public init(tokenWidth: Int, hasPairs: Bool, hasMasks: Bool) {
        self.init(tokenWidth: tokenWidth, hasSegments: hasPairs, hasPairs: hasPairs, hasMasks: hasMasks)
    }

    /// A schema with segment boundaries and, optionally, pair labels (which need them).
    public init(tokenWidth: Int, hasSegments: Bool, hasPairs: Bool, hasMasks: Bool) {
        precondition(tokenWidth == 2 || tokenWidth == 4, "token width must be 2 or 4")
        precondition(hasSegments || !hasPairs, "pair labels need segment boundaries")
        self.tokenWidth = tokenWidth
        self.hasSegments = hasSegments
        self.hasPairs = hasPairs
        self.hasMasks = hasMasks
    }

    /// The format minor version a file of this schema declares: 1 for segment boundaries
    /// without pair labels (new in v1.1; a 1.0 reader rejects that pairing), else 0, so files a
    /// 1.0 reader can read still say 1.0.
    public var minorVersion: UInt16 { hasSegments && !hasPairs ? 1 : 0 }

    /// The narrowest schema token width for a vocabulary of `vocabularySize` ids.
    public static func tokenWidth(forVocabularySize vocabularySize: Int) -> Int {
        vocabularySize <= 1 << 16 ? 2 : 4
    }

    /// Element type codes of the schema section.
    public enum ValueType: UInt8, Sendable {
        case u8 = 1, u16 = 2, u32 = 3, u64 = 4
        /// A token id: u16 or u32 according to the header's token width.
        case token = 5
    }

    /// One entry of the schema section.
    public struct Field: Sendable, Equatable {
        public let name: String
        public let type: ValueType
        /// A list field holds a variable number of values per record; a scalar exactly one.
        public let isList: Bool
    }

    public static let tokens = Field(name: "tokens", type: .token, isList: true)
    public static let segmentBoundary = Field(name: "segment_boundary", type: .u32, isList: false)
    public static let pairLabel = Field(name: "pair_label", type: .u8, isList: false)
    public static let maskedPositions = Field(name: "masked_positions", type: .u32, isList: true)
    public static let maskedIDs = Field(name: "masked_ids", type: .token, isList: true)
    public static let inputOrdinal = Field(name: "input_ordinal", type: .u32, isList: false)
    public static let documentOrdinal = Field(name: "document_ordinal", type: .u64, isList: false)

    /// Every field format v1 knows, in the order they are stored in a block.
    public static let knownFields: [Field] = [
        tokens, segmentBoundary, pairLabel, maskedPositions, maskedIDs, inputOrdinal, documentOrdinal,
    ]

    /// The fields of this schema, in block order.
    public var fields: [Field] {
        Self.knownFields.filter { field in
            switch field.name {
            case Self.segmentBoundary.name: return hasSegments
            case Self.pairLabel.name: return hasPairs
            case Self.maskedPositions.name, Self.maskedIDs.name: return hasMasks
            default: return true
            }
        }
    }

    /// Builds a schema from the fields named in a file, or explains why they are not valid v1.
    public static func from(fields: [Field]) -> Result<ShardSchema, SchemaProblem> {
        var seen = Set<String>()
        for f in fields {
            guard let known = knownFields.first(where: { $0.name == f.name }) else {
                return .failure(SchemaProblem("unknown field \"\(f.name)\" (this reader knows format v1 fields only)"))
            }
            guard known == f else {
                return .failure(SchemaProblem("field \"\(f.name)\" has type \(f.type)\(f.isList ? "[]" : ""), expected \(known.type)\(known.isList ? "[]" : "")"))
            }
            guard seen.insert(f.name).inserted else { return .failure(SchemaProblem("field \"\(f.name)\" appears twice")) }
        }
        for required in [tokens, inputOrdinal, documentOrdinal] where !seen.contains(required.name) {
            return .failure(SchemaProblem("required field \"\(required.name)\" is missing"))
        }
        let segments = seen.contains(segmentBoundary.name), pairs = seen.contains(pairLabel.name)
        guard segments || !pairs else {
            return .failure(SchemaProblem("pair_label needs segment_boundary"))
        }
        let masks = seen.contains(maskedPositions.name)
        guard masks == seen.contains(maskedIDs.name) else {
            return .failure(SchemaProblem("masked_positions and masked_ids must be present together"))
        }
        // Width is filled in by the header reader; 2 is a placeholder the caller replaces.
        let schema = ShardSchema(tokenWidth: 2, hasSegments: segments, hasPairs: pairs, hasMasks: masks)
        guard schema.fields == fields else {
            return .failure(SchemaProblem("fields are not in format v1 order (\(schema.fields.map(\.name).joined(separator: ", ")))"))
        }
        return .success(schema)
    }

    public struct SchemaProblem: Error, Sendable {
        public let message: String
        init(_ message: String) { self.message = message }
    }
}
