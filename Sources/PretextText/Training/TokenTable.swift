/// The vocabulary as it grows during training: token bytes by id and the id of each token.
///
/// Bytes are the token's text as written to the vocabulary (UTF-8): for WordPiece with `##`,
/// for byte-level BPE in GPT-2's byte-to-unicode alphabet, so tokens compare as HF's trainer
/// compares its strings (a special token equal to a learned token is the same token). Adding a token that exists returns its id, as HF's trainer
/// does for a merge whose result is already in the vocabulary.
struct TokenTable {
    private(set) var tokens: [[UInt8]] = []
    private var ids: [[UInt8]: UInt32] = [:]

    var count: Int { tokens.count }

    func id(of token: [UInt8]) -> UInt32? { ids[token] }

    subscript(id: UInt32) -> [UInt8] { tokens[Int(id)] }

    /// The id of `token`, added at the end when new.
    @discardableResult
    mutating func add(_ token: [UInt8]) -> UInt32 {
        if let id = ids[token] { return id }
        let id = UInt32(tokens.count)
        tokens.append(token)
        ids[token] = id
        return id
    }
}
