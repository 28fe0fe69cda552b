import PretextCore
import Synchronization

/// The WordPiece model (BERT): greedy longest-match-first over each pre-tokenized word,
/// continuation pieces carrying a prefix (`##`), a word of more than
/// `maxInputCharactersPerWord` scalars or with an unmatched remainder becoming `[UNK]`.
///
/// Semantics are HF tokenizers' `WordPiece` (and Google's `WordpieceTokenizer`, whose
/// default limit is 200 scalars instead of 100). The vocabulary lives in two `ByteTrie`s —
/// word-initial pieces and continuation pieces with the prefix removed — so each piece is
/// found in one walk instead of one hash lookup per candidate length.
public struct WordPieceModel: Sendable {
    public let vocabulary: [String]
    public let unknownID: UInt32
    public let continuingSubwordPrefix: String
    public let maxInputCharactersPerWord: Int
    let initial: ByteTrie
    /// The continuation pieces with the prefix removed (the same trie as `initial` when the
    /// prefix is empty).
    let continuation: ByteTrie

    public struct UnknownTokenMissing: Error, CustomStringConvertible {
        public let token: String
        public var description: String { "the unknown token \(token) is not in the vocabulary" }
    }

    /// - Parameter vocabulary: token strings by id.
    public init(vocabulary: [String], unknownToken: String = "[UNK]", continuingSubwordPrefix: String = "##",
                maxInputCharactersPerWord: Int = 100) throws {
        let prefix = Array(continuingSubwordPrefix.utf8)
        var initialKeys = ByteTrie.Keys(capacity: vocabulary.count, poolCapacity: vocabulary.count * 8)
        var continuationKeys = ByteTrie.Keys(capacity: vocabulary.count, poolCapacity: vocabulary.count * 8)
        for (id, token) in vocabulary.enumerated() {
            // A duplicated token keeps its last id, as in HF (its vocabulary is a map built in order).
            let bytes = token.utf8
            initialKeys.append(bytes, id: Int32(id))
            if bytes.count > prefix.count && bytes.starts(with: prefix) {
                continuationKeys.append(bytes.dropFirst(prefix.count), id: Int32(id))
            }
        }
        // With an empty prefix every token can continue a word. Otherwise the two tries are
        // built at the same time, the continuation trie on another thread.
        let initial: ByteTrie, continuation: ByteTrie
        if prefix.isEmpty {
            initial = ByteTrie(initialKeys)
            continuation = initial
        } else {
            let keys = continuationKeys
            let built = Mutex<ByteTrie?>(nil)
            let task = BackgroundTask { built.withLock { $0 = ByteTrie(keys) } }
            initial = ByteTrie(initialKeys)
            try? task.wait()
            continuation = built.withLock { $0! }
        }
        guard let unk = initial.id(of: Array(unknownToken.utf8)) else { throw UnknownTokenMissing(token: unknownToken) }
        self.init(vocabulary: vocabulary, unknownID: UInt32(unk), continuingSubwordPrefix: continuingSubwordPrefix,
                  maxInputCharactersPerWord: maxInputCharactersPerWord, initial: initial, continuation: continuation)
    }

    /// A model over tries built before (by the public initializer, or read from a `TokenizerImage`).
    init(vocabulary: [String], unknownID: UInt32, continuingSubwordPrefix: String, maxInputCharactersPerWord: Int,
         initial: ByteTrie, continuation: ByteTrie) {
        self.vocabulary = vocabulary
        self.unknownID = unknownID
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.initial = initial
        self.continuation = continuation
    }

    /// The id of a whole token string (for special tokens and tests).
    public func id(of token: String) -> UInt32? { initial.id(of: Array(token.utf8)).map(UInt32.init) }

    /// Appends the ids of one word (UTF-8 bytes `p[range]`) to `ids`, through `cache` (the
    /// same ids as `encodeWord(_:_:into:)`; a hit skips the trie walk). A one-byte word
    /// (punctuation, digits, one-letter words: about a quarter of the words of English text)
    /// skips the cache: its walk is one lookup in the trie's root table, cheaper than hashing
    /// into a 1 MiB cache.
    @inline(__always)
    public func encodeWord(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, into ids: inout [UInt32], cache: PieceCache) {
        guard range.count > 1, let key = PieceCache.Key(p, range) else { return encodeWord(p, range, into: &ids) }
        if cache.lookup(key, into: &ids) { return }
        let mark = ids.count
        encodeWord(p, range, into: &ids)
        cache.insert(key, ids: ids, from: mark)
    }

    /// Appends the ids of one word (UTF-8 bytes `p[range]`) to `ids`.
    @inline(__always)
    public func encodeWord(_ p: UnsafePointer<UInt8>, _ range: Range<Int>, into ids: inout [UInt32]) {
        // Scalar count = bytes that are not UTF-8 continuation bytes.
        if range.count > maxInputCharactersPerWord {
            var scalars = 0
            for i in range where p[i] & 0xC0 != 0x80 { scalars += 1 }
            if scalars > maxInputCharactersPerWord { ids.append(unknownID); return }
        }
        let mark = ids.count
        var start = range.lowerBound
        while start < range.upperBound {
            // Call through the stored references (no local copy: copying a class reference
            // is an atomic retain, which two threads fight over on every piece).
            let match = start == range.lowerBound
                ? initial.longestMatch(p, from: start, to: range.upperBound)
                : continuation.longestMatch(p, from: start, to: range.upperBound)
            guard let (id, end) = match else {
                ids.removeSubrange(mark...)
                ids.append(unknownID)
                return
            }
            ids.append(UInt32(id))
            start = end
        }
    }
}
