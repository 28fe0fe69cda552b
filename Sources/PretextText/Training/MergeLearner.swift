/// Learns merges the way HF tokenizers' `BpeTrainer` does: repeatedly merge the most frequent
/// adjacent pair of symbols (ties: the smaller `(left id, right id)`) into a new token, until
/// the vocabulary reaches its size or no pair is seen `minFrequency` times.
///
/// Pair counts are kept exact and incrementally: merging pair (a, b) into n rewrites, left
/// to right and without overlaps, only the words on (a, b)'s word list; each rewrite turns
/// `(prev, a)` into `(prev, n)` and `(b, next)` into `(n, next)`, weighted by the word's count.
/// Pairs whose count grew are pushed on the `PairQueue` again once per merge; an entry whose
/// count is out of date is re-queued with the current count (if lower) or dropped when
/// popped, so the entry that wins is always the true maximum.
///
/// The new token's text is the left token followed by the right one; for WordPiece the right
/// token's `##` is dropped first (`##a` + `##b` = `##ab`, `a` + `##b` = `ab`). A merge whose
/// text is already a token reuses that id (the vocabulary does not grow) but is still a merge.
struct MergeLearner {
    enum StopReason: String, Sendable {
        case vocabularySize = "vocabulary size reached"
        case minFrequency = "no pair reaches the minimum frequency"
        case noPairs = "no pairs left"
    }

    private(set) var words: TrainingWords
    private(set) var tokens: TokenTable
    private(set) var merges: [(UInt32, UInt32)] = []
    private var pairs: PairTable
    private var queue = PairQueue()
    /// Merge number at which each word was last rewritten (a word appears once per merge).
    private var visitedAt: [Int32]
    private var touched: [Int] = []
    private var scratch: [Int32] = []
    /// `##` is stripped from the right token of a merge (WordPiece).
    private let stripsContinuationPrefix: Bool

    init(words: TrainingWords, tokens: TokenTable, stripsContinuationPrefix: Bool) {
        self.words = words
        self.tokens = tokens
        self.stripsContinuationPrefix = stripsContinuationPrefix
        visitedAt = [Int32](repeating: -1, count: words.count)
        pairs = PairTable(expectedPairs: max(1 << 16, words.symbols.count / 4))
        countPairs()
    }

    /// Initial pair counts and word lists; every pair goes on the queue.
    private mutating func countPairs() {
        for w in 0..<words.count {
            let start = words.starts[w], n = Int(words.lengths[w]), c = words.counts[w]
            for k in 0..<(n - 1) {
                let p = pairs.index(of: PairTable.key(words.symbols[start + k], words.symbols[start + k + 1]))
                pairs.counts[p] += c
                pairs.addWord(Int32(w), to: p)
            }
        }
        queue.reserve(pairs.count)
        for p in 0..<pairs.count where pairs.counts[p] > 0 {
            queue.push(.init(count: pairs.counts[p], key: pairs.keys[p], pair: Int32(p)))
        }
    }

    /// Merges until `vocabularySize` tokens exist or no pair has `minFrequency` occurrences.
    mutating func run(vocabularySize: Int, minFrequency: UInt64) -> StopReason {
        let floor = Int64(clamping: max(minFrequency, 1))
        while true {
            if tokens.count >= vocabularySize { return .vocabularySize }
            guard let top = queue.pop() else { return .noPairs }
            let current = pairs.counts[Int(top.pair)]
            if top.count != current {
                if current > 0 && current < top.count {
                    queue.push(.init(count: current, key: top.key, pair: top.pair))
                }
                continue
            }
            if current < floor { return .minFrequency }
            merge(pair: Int(top.pair), key: top.key)
        }
    }

    /// The token `left` + `right` (WordPiece: without `right`'s `##`).
    private mutating func mergedToken(_ left: UInt32, _ right: UInt32) -> UInt32 {
        var text = tokens[left]
        let r = tokens[right]
        let prefix = TrainingAlphabet.continuationPrefix
        if stripsContinuationPrefix && r.count >= prefix.count && r[0] == prefix[0] && r[1] == prefix[1] {
            text.append(contentsOf: r[prefix.count...])
        } else {
            text.append(contentsOf: r)
        }
        return tokens.add(text)
    }

    private mutating func merge(pair p: Int, key: UInt64) {
        let a = UInt32(truncatingIfNeeded: key >> 32), b = UInt32(truncatingIfNeeded: key)
        let n = mergedToken(a, b)
        let mergeNumber = Int32(merges.count)
        merges.append((a, b))
        pairs.words(of: p, into: &scratch)
        touched.removeAll(keepingCapacity: true)
        for w in scratch {
            let wi = Int(w)
            if visitedAt[wi] == mergeNumber { continue }
            visitedAt[wi] = mergeNumber
            rewrite(word: wi, a, b, n)
        }
        pairs.counts[p] = 0
        pairs.clearWords(of: p)
        for q in touched where pairs.counts[q] > 0 {
            queue.push(.init(count: pairs.counts[q], key: pairs.keys[q], pair: Int32(q)))
        }
    }

    /// Adds `delta` to pair (x, y); a growing pair gains word `w` and is queued after the merge.
    @inline(__always)
    private mutating func change(_ x: UInt32, _ y: UInt32, _ delta: Int64, _ w: Int, _ merge: Int32) {
        let q = pairs.index(of: PairTable.key(x, y))
        pairs.counts[q] += delta
        if delta > 0 {
            pairs.addWord(Int32(w), to: q)
            if pairs.markTouched(q, merge: merge) { touched.append(q) }
        }
    }

    /// Rewrites every non-overlapping (a, b) of word `w`, left to right, as `n`.
    private mutating func rewrite(word w: Int, _ a: UInt32, _ b: UInt32, _ n: UInt32) {
        let start = words.starts[w], length = Int(words.lengths[w]), c = words.counts[w]
        let merge = Int32(merges.count - 1)
        var r = 0, o = 0
        while r < length {
            let s = words.symbols[start + r]
            if s == a && r + 1 < length && words.symbols[start + r + 1] == b {
                if o > 0 {
                    let prev = words.symbols[start + o - 1]
                    change(prev, a, -c, w, merge)
                    change(prev, n, c, w, merge)
                }
                if r + 2 < length {
                    let next = words.symbols[start + r + 2]
                    change(b, next, -c, w, merge)
                    change(n, next, c, w, merge)
                }
                words.symbols[start + o] = n
                r += 2
            } else {
                words.symbols[start + o] = s
                r += 1
            }
            o += 1
        }
        words.lengths[w] = Int32(o)
    }
}
