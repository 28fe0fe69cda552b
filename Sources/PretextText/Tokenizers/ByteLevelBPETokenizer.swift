import PretextCore

/// Byte-level BPE (GPT-2, RoBERTa) as HF tokenizers runs it: added tokens → optional prefix
/// space → GPT-2 pre-tokenization → each piece's bytes → merges applied by rank → ids.
///
/// The vocabulary's strings are in GPT-2's byte-to-unicode alphabet; Pretext maps them back
/// to raw bytes at load, so encoding works on bytes directly: a piece starts as one symbol per
/// byte and the lowest-ranked adjacent pair is merged until none is left (leftmost first on
/// ties, as HF). Results per piece are cached in the caller's `TokenizerScratch`.
public final class ByteLevelBPETokenizer: TextTokenizer {
    /// Token strings by id, in the byte-to-unicode alphabet (as in `vocab.json`).
    public let vocabulary: [String]
    public let addedTokens: AddedTokens
    public let addPrefixSpace: Bool
    /// HF's `ignore_merges`: a piece that is itself in the vocabulary is emitted whole.
    public let ignoreMerges: Bool
    /// Id of each raw byte (-1 when the byte's symbol is missing from the vocabulary).
    let byteIDs: [Int32]
    /// `(left << 32) | right` → `(rank << 32) | merged id`.
    let merges: [UInt64: UInt64]
    /// Raw bytes of every vocabulary entry, for `ignoreMerges`.
    let wholeTokens: ByteTrie?

    public struct MergeError: Error, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "merge \(line): \(message)" }
    }

    /// GPT-2's reversible map from bytes to printable unicode scalars.
    public static let byteToScalar: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var extra: UInt32 = 0
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                table[b] = UInt32(b)
            } else {
                table[b] = 256 + extra
                extra += 1
            }
        }
        return table
    }()

    /// Raw bytes of a token written in the byte-to-unicode alphabet, or nil if it has a
    /// scalar outside that alphabet.
    public static func rawBytes(of token: String) -> [UInt8]? {
        var out: [UInt8] = []
        for s in token.unicodeScalars {
            guard let b = byteToScalar.firstIndex(of: s.value) else { return nil }
            out.append(UInt8(b))
        }
        return out
    }

    /// - Parameters:
    ///   - vocabulary: token strings by id (byte-to-unicode alphabet).
    ///   - merges: pairs in rank order (first = rank 0), as strings of the vocabulary.
    public convenience init(vocabulary: [String], merges: [(String, String)], addedTokens: AddedTokens, addPrefixSpace: Bool, ignoreMerges: Bool = false) throws {
        var index: [String: Int32] = [:]
        for (id, token) in vocabulary.enumerated() { index[token] = Int32(id) }
        var bytes = [Int32](repeating: -1, count: 256)
        for b in 0..<256 { bytes[b] = index[String(UnicodeScalar(Self.byteToScalar[b])!)] ?? -1 }
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, (a, b)) in merges.enumerated() {
            guard let left = index[a], let right = index[b] else {
                throw MergeError(line: rank + 1, message: "\(a) \(b) uses a token missing from the vocabulary")
            }
            guard let merged = index[a + b] else {
                throw MergeError(line: rank + 1, message: "\(a)\(b) is missing from the vocabulary")
            }
            let key = UInt64(UInt32(left)) << 32 | UInt64(UInt32(right))
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(UInt32(merged)) }
        }
        let whole = ignoreMerges ? ByteTrie(vocabulary.enumerated().compactMap { id, t in Self.rawBytes(of: t).map { ($0, Int32(id)) } }) : nil
        self.init(vocabulary: vocabulary, addedTokens: addedTokens, addPrefixSpace: addPrefixSpace, ignoreMerges: ignoreMerges,
                  byteIDs: bytes, merges: table, wholeTokens: whole)
    }

    /// A tokenizer over tables built before (by the public initializer, or read from a
    /// `TokenizerImage`).
    init(vocabulary: [String], addedTokens: AddedTokens, addPrefixSpace: Bool, ignoreMerges: Bool, byteIDs: [Int32],
         merges: [UInt64: UInt64], wholeTokens: ByteTrie?) {
        self.vocabulary = vocabulary
        self.addedTokens = addedTokens
        self.addPrefixSpace = addPrefixSpace
        self.ignoreMerges = ignoreMerges
        self.byteIDs = byteIDs
        self.merges = merges
        self.wholeTokens = wholeTokens
    }

    public var vocabularySize: Int { max(vocabulary.count, Int(addedTokens.tokens.map(\.id).max() ?? 0) + 1) }

    public func token(_ id: UInt32) -> String? {
        if let added = addedTokens.content(of: id) { return added }
        return Int(id) < vocabulary.count ? vocabulary[Int(id)] : nil
    }

    public func id(of token: String) -> UInt32? {
        if let added = addedTokens.id(of: token) { return added }
        return vocabulary.firstIndex(of: token).map(UInt32.init)
    }

    public func encode(_ text: UnsafeBufferPointer<UInt8>, into ids: inout [UInt32], scratch: inout TokenizerScratch) {
        addedTokens.forEachPart(text) { part in
            switch part {
            case .token(let id):
                ids.append(id)
            case .text(let range):
                scratch.bytes.removeAll(keepingCapacity: true)
                // HF adds the prefix space to every text part that does not start with one.
                if addPrefixSpace && (range.isEmpty || text[range.lowerBound] != 0x20) { scratch.bytes.append(0x20) }
                scratch.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: text[range]))
                let bytes = scratch.bytes
                bytes.withUnsafeBufferPointer { buffer in
                    GPT2PreTokenizer.forEachPiece(in: buffer) { piece in
                        encodePiece(UnsafeBufferPointer(rebasing: buffer[piece]), into: &ids, cache: &scratch.wordCache)
                    }
                }
            }
        }
    }

    @inline(__always)
    private func encodePiece(_ piece: UnsafeBufferPointer<UInt8>, into ids: inout [UInt32], cache: inout WordCache) {
        let hash = XXHash64.hash(UnsafeRawBufferPointer(piece))
        if cache.lookup(piece, hash: hash, into: &ids) { return }
        let start = ids.count
        if let wholeTokens, let id = wholeTokens.id(of: piece) {
            ids.append(UInt32(id))
        } else {
            merge(piece, into: &ids)
        }
        cache.insert(piece, hash: hash, ids: ids[start...])
    }

    /// Applies merges to the bytes of one piece.
    private func merge(_ piece: UnsafeBufferPointer<UInt8>, into ids: inout [UInt32]) {
        var symbols: [UInt32] = []
        symbols.reserveCapacity(piece.count)
        for b in piece {
            let id = byteIDs[Int(b)]
            if id >= 0 { symbols.append(UInt32(id)) }  // a byte missing from the vocabulary is dropped, as HF without unk
        }
        while symbols.count > 1 {
            var bestRank = UInt64.max, bestAt = -1, bestID: UInt32 = 0
            for k in 0..<(symbols.count - 1) {
                if let m = merges[UInt64(symbols[k]) << 32 | UInt64(symbols[k + 1])], m >> 32 < bestRank {
                    bestRank = m >> 32
                    bestAt = k
                    bestID = UInt32(truncatingIfNeeded: m)
                }
            }
            if bestAt < 0 { break }
            // Merge every non-overlapping occurrence of the best pair, left to right.
            let left = symbols[bestAt], right = symbols[bestAt + 1]
            var out: [UInt32] = []
            out.reserveCapacity(symbols.count)
            var k = 0
            while k < symbols.count {
                if k + 1 < symbols.count && symbols[k] == left && symbols[k + 1] == right {
                    out.append(bestID)
                    k += 2
                } else {
                    out.append(symbols[k])
                    k += 1
                }
            }
            symbols = out
        }
        ids.append(contentsOf: symbols)
    }
}

extension ByteLevelBPETokenizer {
    /// Builds the tokenizer from a parsed `tokenizer.json` whose model is BPE; refuses
    /// settings that are not byte-level BPE.
    static func fromTokenizerJSON(_ root: [String: Any], _ model: [String: Any], _ added: AddedTokens,
                                  _ fail: (String) -> TokenizerFile.LoadError) throws -> ByteLevelBPETokenizer {
        guard let vocab = model["vocab"] as? TokenizerFile.TokenVocabulary else { throw fail("model.vocab is not a map of token to id") }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let v = model[key] as? String, !v.isEmpty { throw fail("model.\(key) \(v) is not supported for byte-level BPE") }
        }
        if let d = model["dropout"] as? Double, d > 0 { throw fail("model.dropout is not supported (it makes encoding random)") }
        if (model["byte_fallback"] as? Bool) == true { throw fail("model.byte_fallback is not supported") }
        let byID = vocab.byID
        var pairs: [(String, String)] = []
        for entry in model["merges"] as? [Any] ?? [] {
            if let s = entry as? String {
                let parts = s.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw fail("model.merges entry \"\(s)\" is not \"a b\"") }
                pairs.append((String(parts[0]), String(parts[1])))
            } else if let a = entry as? [String], a.count == 2 {
                pairs.append((a[0], a[1]))
            } else {
                throw fail("model.merges entry \(entry) is not a pair")
            }
        }
        var prefixSpace = false
        switch root["pre_tokenizer"] {
        case let p as [String: Any] where p["type"] as? String == "ByteLevel":
            prefixSpace = p["add_prefix_space"] as? Bool ?? false
            if (p["use_regex"] as? Bool) == false { throw fail("pre_tokenizer ByteLevel with use_regex=false is not supported") }
        default:
            throw fail("pre_tokenizer must be ByteLevel for BPE")
        }
        if let n = root["normalizer"], !(n is NSNull) { throw fail("a normalizer with byte-level BPE is not supported") }
        do {
            return try ByteLevelBPETokenizer(vocabulary: byID, merges: pairs, addedTokens: added, addPrefixSpace: prefixSpace,
                                             ignoreMerges: model["ignore_merges"] as? Bool ?? false)
        } catch {
            throw fail("\(error)")
        }
    }
}

import Foundation
