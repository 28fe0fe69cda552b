import PretextCore

/// The vocabulary's first tokens after the special tokens, and the words spelled in them —
/// HF `BpeTrainer`'s `compute_alphabet` and `tokenize_words`.
///
/// Byte-level BPE: the 256 bytes (HF's `ByteLevel.alphabet()` as the initial alphabet), in
/// the order of their byte-to-unicode characters, as HF sorts the alphabet by character.
/// Every word is its bytes.
///
/// WordPiece: the characters (Unicode scalars) of all words, each weighted by its word's
/// count; with a limit, the `limit` most frequent are kept (at equal counts the smaller
/// scalar is kept — HF's order there is unspecified), then added in scalar order. A word's
/// first character is the symbol `c`, every later one `##c`; characters outside the
/// alphabet are left out of the word (as HF). The `##c` tokens follow the alphabet, in
/// scalar order (HF adds them in the order it meets them in its hash map of words, which
/// varies from run to run).
enum TrainingAlphabet {
    struct Summary: Sendable, Equatable {
        /// Distinct characters (bytes for BPE) seen in the words.
        var seenCharacters = 0
        /// Alphabet tokens added (characters or bytes).
        var alphabet = 0
        /// `##c` tokens added (WordPiece).
        var continuations = 0
        /// Distinct characters left out by the alphabet limit.
        var droppedCharacters = 0
    }

    static let continuationPrefix: [UInt8] = Array("##".utf8)

    /// Adds the alphabet to `tokens` and returns the words (those with two symbols or more).
    static func build(_ counts: WordCounts, model: VocabModelKind, limit: Int?, tokens: inout TokenTable) -> (TrainingWords, Summary) {
        switch model {
        case .bpe: return bytes(counts, tokens: &tokens)
        case .wordpiece: return characters(counts, limit: limit, tokens: &tokens)
        }
    }

    private static func bytes(_ counts: WordCounts, tokens: inout TokenTable) -> (TrainingWords, Summary) {
        var summary = Summary()
        var seen = [Bool](repeating: false, count: 256)
        let order = (0..<256).sorted { ByteLevelBPETokenizer.byteToScalar[$0] < ByteLevelBPETokenizer.byteToScalar[$1] }
        var byteID = [UInt32](repeating: 0, count: 256)
        let before = tokens.count
        var utf8: [UInt8] = []
        for b in order {
            utf8.removeAll(keepingCapacity: true)
            UTF8Scalars.append(ByteLevelBPETokenizer.byteToScalar[b], to: &utf8)
            byteID[b] = tokens.add(utf8)
        }
        summary.alphabet = tokens.count - before
        var words = TrainingWords()
        words.symbols.reserveCapacity(counts.count * 8)
        for i in 0..<counts.count {
            counts.withWord(i) { word in
                for b in word { seen[Int(b)] = true }
                guard word.count >= 2 else { return }
                words.begin(count: Int64(counts.counts[i]))
                for b in word { words.append(byteID[Int(b)]) }
            }
        }
        summary.seenCharacters = seen.filter { $0 }.count
        return (words, summary)
    }

    private static func characters(_ counts: WordCounts, limit: Int?, tokens: inout TokenTable) -> (TrainingWords, Summary) {
        var summary = Summary()
        // Character frequencies, weighted by word counts.
        var frequency = [UInt64](repeating: 0, count: 0x110000)
        var seen: [UInt32] = []
        for i in 0..<counts.count {
            let n = counts.counts[i]
            counts.withWord(i) { word in
                guard let p = word.baseAddress else { return }
                var k = 0
                while k < word.count {
                    let (c, length) = UTF8Scalars.decode(p, k, word.count)
                    if frequency[Int(c)] == 0 { seen.append(c) }
                    frequency[Int(c)] &+= n
                    k += length
                }
            }
        }
        summary.seenCharacters = seen.count
        var kept = seen
        if let limit, kept.count > limit {
            kept.sort { frequency[Int($0)] != frequency[Int($1)] ? frequency[Int($0)] > frequency[Int($1)] : $0 < $1 }
            summary.droppedCharacters = kept.count - limit
            kept.removeLast(kept.count - limit)
        }
        kept.sort()
        let before = tokens.count
        var utf8: [UInt8] = []
        for c in kept {
            utf8.removeAll(keepingCapacity: true)
            UTF8Scalars.append(c, to: &utf8)
            tokens.add(utf8)
        }
        summary.alphabet = tokens.count - before
        // A character is a symbol when its one-character string is a token (alphabet or special).
        var initialID = [Int32](repeating: -1, count: 0x110000)
        for c in seen {
            utf8.removeAll(keepingCapacity: true)
            UTF8Scalars.append(c, to: &utf8)
            if let id = tokens.id(of: utf8) { initialID[Int(c)] = Int32(id) }
        }
        // `##c` for every symbol character met after a word's first position, in scalar order.
        var continues = [Bool](repeating: false, count: 0x110000)
        for i in 0..<counts.count {
            counts.withWord(i) { word in
                guard let p = word.baseAddress else { return }
                var k = UTF8Scalars.decode(p, 0, word.count).length
                while k < word.count {
                    let (c, length) = UTF8Scalars.decode(p, k, word.count)
                    if initialID[Int(c)] >= 0 { continues[Int(c)] = true }
                    k += length
                }
            }
        }
        var continuationID = [UInt32](repeating: 0, count: 0x110000)
        let beforeContinuations = tokens.count
        for c in seen.sorted() where continues[Int(c)] {
            utf8 = continuationPrefix
            UTF8Scalars.append(c, to: &utf8)
            continuationID[Int(c)] = tokens.add(utf8)
        }
        summary.continuations = tokens.count - beforeContinuations
        var words = TrainingWords()
        words.symbols.reserveCapacity(counts.count * 8)
        for i in 0..<counts.count {
            counts.withWord(i) { word in
                guard let p = word.baseAddress else { return }
                words.begin(count: Int64(counts.counts[i]))
                var k = 0
                while k < word.count {
                    let (c, length) = UTF8Scalars.decode(p, k, word.count)
                    let id = initialID[Int(c)]
                    if id >= 0 { words.append(k == 0 ? UInt32(id) : continuationID[Int(c)]) }
                    k += length
                }
                if words.lengths[words.count - 1] < 2 { words.dropLast() }
            }
        }
        return (words, summary)
    }
}
