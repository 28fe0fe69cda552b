import PretextCore

/// The positions a masker chose and the ids that were there.
public struct MaskedPositions: Sendable, Equatable {
    /// Strictly increasing positions into the sequence.
    public var positions: [UInt32] = []
    /// Original id at each position (the sequence now holds the replacement).
    public var originalIDs: [UInt32] = []
    public init() {}
}

/// Masked-LM corruption of one sequence: choose units (tokens, words, n-grams or spans) until
/// the prediction budget is met, then replace each chosen unit by `[MASK]` (80%), random ids
/// (10%) or itself (10%).
///
/// Every random choice comes from the `KeyedRandom` the caller passes, keyed by
/// (seed, purpose, instance, copy): the same key always gives the same masks. Units are
/// visited in a shuffled order; a unit that would exceed the budget is skipped (as Google's
/// script does), so with whole words the count can fall short of the budget by less than one
/// word. The replacement decision is made once per unit — for a whole word every piece
/// becomes `[MASK]`, or every piece is kept, or every piece gets a random id — where
/// Google's script decides per piece; a word half masked and half visible leaks the answer.
public struct Masker: Sendable {
    public let options: MaskingOptions
    public let vocabulary: MaskingVocabulary

    public init(options: MaskingOptions, vocabulary: MaskingVocabulary) {
        self.options = options
        self.vocabulary = vocabulary
    }

    /// Masks `tokens` in place and returns the chosen positions with their original ids.
    public func mask(_ tokens: inout [UInt32], random: inout KeyedRandom) -> MaskedPositions {
        // Units: maximal runs [start, end) of non-special tokens forming one unit each.
        var units: [Range<Int>] = []
        var maskable = 0
        var i = 0
        let wholeWords = options.strategy != .token
        while i < tokens.count {
            if vocabulary.special(tokens[i]) { i += 1; continue }
            var end = i + 1
            if wholeWords { while end < tokens.count && !vocabulary.special(tokens[end]) && vocabulary.continues(tokens[end]) { end += 1 } }
            units.append(i..<end)
            maskable += end - i
            i = end
        }
        let budget = options.predictionCount(maskable: maskable)
        var result = MaskedPositions()
        guard budget > 0 else { return result }

        // Visit start units in a shuffled order, drawn lazily (Fisher–Yates step k picks from
        // the units not yet visited), so only as many draws are made as units are visited.
        var order = Array(0..<units.count)
        var covered = [Bool](repeating: false, count: units.count)
        var chosen: [Range<Int>] = []  // unit-index ranges, each decided as one
        var count = 0
        for k in 0..<order.count {
            if count >= budget { break }
            order.swapAt(k, k + random.below(order.count - k))
            let start = order[k]
            if covered[start] { continue }
            var length = 1
            switch options.strategy {
            case .token, .wholeWord: length = 1
            case .ngram(let maxN): length = Self.ngramLength(maxN: maxN, random: &random)
            case .span(let p, let maxLength): length = Self.spanLength(p: p, maxLength: maxLength, random: &random)
            }
            // Clip at the sequence end and at units already covered; shorten to fit the budget.
            var end = start
            var tokensInSpan = 0
            while end < units.count && end - start < length && !covered[end] {
                let next = tokensInSpan + units[end].count
                if count + next > budget { break }
                tokensInSpan = next
                end += 1
            }
            if end == start { continue }  // even the first unit does not fit: skip it
            for u in start..<end { covered[u] = true }
            chosen.append(start..<end)
            count += tokensInSpan
        }

        // Replacement: one decision per chosen word (token/whole word/n-gram) or per span.
        var replaced: [(Int, UInt32)] = []
        replaced.reserveCapacity(count)
        for group in chosen {
            let decisionUnits: [Range<Int>]
            if case .span = options.strategy { decisionUnits = [group] } else { decisionUnits = group.map { $0..<($0 + 1) } }
            for d in decisionUnits {
                let roll = random.unitDouble()
                for u in d {
                    for position in units[u] {
                        replaced.append((position, tokens[position]))
                        if roll < options.maskShare {
                            tokens[position] = vocabulary.maskID
                        } else if roll < options.maskShare + options.randomShare, !vocabulary.randomPool.isEmpty {
                            tokens[position] = vocabulary.randomPool[random.below(vocabulary.randomPool.count)]
                        }
                    }
                }
            }
        }
        replaced.sort { $0.0 < $1.0 }
        result.positions = replaced.map { UInt32($0.0) }
        result.originalIDs = replaced.map { $0.1 }
        return result
    }

    /// n ∈ 1…maxN with P(n) ∝ 1/n.
    static func ngramLength(maxN: Int, random: inout KeyedRandom) -> Int {
        let weights = (1...max(1, maxN)).map { 1.0 / Double($0) }
        var x = random.unitDouble() * weights.reduce(0, +)
        for (k, w) in weights.enumerated() {
            if x < w { return k + 1 }
            x -= w
        }
        return weights.count
    }

    /// Geometric length with success probability `p` (support 1, 2, …), clipped at `maxLength`.
    static func spanLength(p: Double, maxLength: Int, random: inout KeyedRandom) -> Int {
        var length = 1
        while length < maxLength && random.unitDouble() >= p { length += 1 }
        return length
    }
}
