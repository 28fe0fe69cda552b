import Testing
@testable import PretextText

@Suite struct ByteTrieTests {
    @Test func longestMatchAndExactLookup() {
        let words = ["h", "he", "hello", "help", "world", "w", "안녕", "안"]
        let trie = ByteTrie(words.enumerated().map { (Array($0.element.utf8), Int32($0.offset)) })
        #expect(trie.count == words.count)
        for (i, w) in words.enumerated() { #expect(trie.id(of: Array(w.utf8)) == Int32(i), "\(w)") }
        #expect(trie.id(of: Array("hel".utf8)) == nil)
        let text = Array("helloworld".utf8)
        text.withUnsafeBufferPointer { p in
            let m = trie.longestMatch(p.baseAddress!, from: 0, to: p.count)
            #expect(m?.id == 2 && m?.end == 5)
            let w = trie.longestMatch(p.baseAddress!, from: 5, to: p.count)
            #expect(w?.id == 4 && w?.end == 10)
            let limited = trie.longestMatch(p.baseAddress!, from: 0, to: 4)
            #expect(limited?.id == 1 && limited?.end == 2)
        }
    }

    @Test func wideFanOutNodes() {
        // A node with many children exercises the binary-search path.
        var words: [String] = []
        for a in UInt8(0x61)...UInt8(0x7A) { for b in UInt8(0x61)...UInt8(0x7A) { words.append(String(decoding: [0x78, a, b], as: UTF8.self)) } }
        let trie = ByteTrie(words.enumerated().map { (Array($0.element.utf8), Int32($0.offset)) })
        for (i, w) in words.enumerated() { #expect(trie.id(of: Array(w.utf8)) == Int32(i), "\(w)") }
    }
}
