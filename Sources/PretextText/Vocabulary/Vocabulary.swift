import PretextCore

/// Token strings by id, as in a BERT `vocab.txt` (one token per line, id = line number).
///
/// Used to decode ids for display (`pretext inspect --record N --vocab FILE`).
public struct Vocabulary: Sendable {
    public let tokens: [String]

    public init(tokens: [String]) { self.tokens = tokens }

    /// Reads a `vocab.txt`: every line is a token (a trailing `\r` is dropped), including
    /// empty lines, so ids stay aligned with line numbers.
    public init(vocabFile path: String) throws {
        var tokens: [String] = []
        let reader = try LineReader(path: path, maxLineLength: 1 << 16, overlong: .skip)
        try reader.forEachLine { line, _ in tokens.append(String(decoding: line, as: UTF8.self)) }
        self.tokens = tokens
    }

    public var count: Int { tokens.count }

    /// The token for `id`, or `<id N>` when the id is outside the vocabulary.
    public func token(_ id: UInt32) -> String { Int(id) < tokens.count ? tokens[Int(id)] : "<id \(id)>" }

    /// Writes one token per line.
    public func write(to path: String) throws {
        let file = try PosixFile(path: path, mode: .createTruncate)
        var bytes: [UInt8] = []
        for t in tokens { bytes.append(contentsOf: t.utf8); bytes.append(0x0A) }
        try file.writeAll(bytes)
        try file.close()
    }
}
