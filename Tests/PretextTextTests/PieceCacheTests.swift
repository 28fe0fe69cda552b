import Foundation
import Testing
@testable import PretextText

/// The WordPiece word cache: a hit gives exactly the ids the trie gives, whatever was cached
/// before (collisions overwrite, long words and long results are never cached).
@Suite struct PieceCacheTests {
    @Test func roundTripAndLimits() {
        let cache = PieceCache()
        func key(_ s: String) -> PieceCache.Key? {
            Array(s.utf8).withUnsafeBufferPointer { PieceCache.Key($0.baseAddress!, 0..<$0.count) }
        }
        var ids: [UInt32] = [7]
        #expect(!cache.lookup(key("hello")!, into: &ids))
        cache.insert(key("hello")!, ids: [7, 1, 2], from: 1)
        #expect(cache.lookup(key("hello")!, into: &ids) && ids == [7, 1, 2])
        // Same first bytes, other length; a word of exactly 24 bytes; one of 25 is not a key.
        #expect(!cache.lookup(key("hell")!, into: &ids))
        #expect(key(String(repeating: "x", count: 24)) != nil && key(String(repeating: "x", count: 25)) == nil)
        // More than 8 ids are not cached.
        cache.insert(key("many")!, ids: Array(0..<9), from: 0)
        var out: [UInt32] = []
        #expect(!cache.lookup(key("many")!, into: &out) && out.isEmpty)
    }

    /// Every word of a text, encoded three times through one shared cache (the second pass in
    /// reverse, so later passes hit what earlier ones stored), gives the ids of the uncached
    /// trie walk — including [UNK] words and a word too long to be cached.
    @Test func cachedEncodingEqualsTheTrie() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Fixtures"
        let vocab = try String(contentsOfFile: folder + "/bert-base-uncased-vocab.txt", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let model = try WordPieceModel(vocabulary: vocab.last == "" ? Array(vocab.dropLast()) : vocab, maxInputCharactersPerWord: 200)
        let text = try String(contentsOfFile: folder + "/tricky-lines.txt", encoding: .utf8).lowercased()
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map { Array($0.utf8) } + [Array("unaffable".utf8), Array(String(repeating: "ab", count: 20).utf8)]
        let cache = PieceCache()
        for pass in 0..<3 {
            for word in pass == 1 ? words.reversed() : words {
                var plain: [UInt32] = [], cached: [UInt32] = []
                word.withUnsafeBufferPointer { p in
                    model.encodeWord(p.baseAddress!, 0..<p.count, into: &plain)
                    model.encodeWord(p.baseAddress!, 0..<p.count, into: &cached, cache: cache)
                }
                #expect(plain == cached, "\(String(decoding: word, as: UTF8.self))")
            }
        }
    }
}
