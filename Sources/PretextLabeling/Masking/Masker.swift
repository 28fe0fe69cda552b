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
        let scratch = MaskingScratch()
        var result = MaskedPositions()
        mask(&tokens, random: &random, scratch: scratch, into: &result)
        return result
    }

    /// Masks `tokens` in place and sets `result` to the chosen positions (ascending) and their
    /// original ids. `scratch` holds the working buffers between calls (one per thread), so a
    /// call allocates nothing once they have grown to the sequence length.
    public func mask(_ tokens: inout [UInt32], random: inout KeyedRandom, scratch s: MaskingScratch, into result: inout MaskedPositions) {
        result.positions.removeAll(keepingCapacity: true)
        result.originalIDs.removeAll(keepingCapacity: true)
        let n = tokens.count
        s.reserve(n)
        let unitStart = s.unitStart, unitEnd = s.unitEnd, order = s.order, covered = s.covered
        let chosenStart = s.chosenStart, chosenEnd = s.chosenEnd, masked = s.masked, original = s.original
        let budget: Int = tokens.withUnsafeBufferPointer { t in
            // Units: maximal runs [start, end) of non-special tokens forming one unit each.
            var maskable = 0, units = 0
            var i = 0
            let wholeWords = options.strategy != .token
            while i < n {
                if vocabulary.special(t[i]) { i += 1; continue }
                var end = i + 1
                if wholeWords { while end < n && !vocabulary.special(t[end]) && vocabulary.continues(t[end]) { end += 1 } }
                unitStart[units] = Int32(i)
                unitEnd[units] = Int32(end)
                units += 1
                maskable += end - i
                i = end
            }
            s.unitCount = units
            return options.predictionCount(maskable: maskable, sequenceLength: n)
        }
        guard budget > 0 else { return }
        let unitCount = s.unitCount

        // Visit start units in a shuffled order, drawn lazily (Fisher–Yates step k picks from
        // the units not yet visited), so only as many draws are made as units are visited.
        for u in 0..<unitCount { order[u] = Int32(u); covered[u] = false }
        var count = 0, chosen = 0
        for k in 0..<unitCount {
            if count >= budget { break }
            let pick = k + random.below(unitCount - k)
            order.swapAt(k, pick)
            let start = Int(order[k])
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
            while end < unitCount && end - start < length && !covered[end] {
                let next = tokensInSpan + Int(unitEnd[end] - unitStart[end])
                if count + next > budget { break }
                tokensInSpan = next
                end += 1
            }
            if end == start { continue }  // even the first unit does not fit: skip it
            for u in start..<end { covered[u] = true }
            chosenStart[chosen] = Int32(start)
            chosenEnd[chosen] = Int32(end)
            chosen += 1
            count += tokensInSpan
        }

        // Replacement: one decision per chosen word (token/whole word/n-gram) or per span,
        // in the order the groups were chosen; positions within a decision in sequence order.
        let perSpan: Bool
        if case .span = options.strategy { perSpan = true } else { perSpan = false }
        let pool = vocabulary.randomPool
        let maskShare = options.maskShare, keepAbove = options.maskShare + options.randomShare, maskID = vocabulary.maskID
        for p in 0..<n { masked[p] = false }
        tokens.withUnsafeMutableBufferPointer { t in
            for g in 0..<chosen {
                let groupEnd = Int(chosenEnd[g])
                var u = Int(chosenStart[g])
                while u < groupEnd {
                    let decisionEnd = perSpan ? groupEnd : u + 1
                    let roll = random.unitDouble()
                    for v in u..<decisionEnd {
                        for position in Int(unitStart[v])..<Int(unitEnd[v]) {
                            masked[position] = true
                            original[position] = t[position]
                            if roll < maskShare {
                                t[position] = maskID
                            } else if roll < keepAbove, !pool.isEmpty {
                                t[position] = pool[random.below(pool.count)]
                            }
                        }
                    }
                    u = decisionEnd
                }
            }
        }
        result.positions.reserveCapacity(count)
        result.originalIDs.reserveCapacity(count)
        for position in 0..<n where masked[position] {
            result.positions.append(UInt32(position))
            result.originalIDs.append(original[position])
        }
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

/// The working buffers of `Masker.mask`, reused from call to call: one per thread (not
/// thread-safe). Raw buffers of `capacity` elements each, grown to the longest sequence seen.
public final class MaskingScratch {
    /// Units as token ranges: unit u is `unitStart[u] ..< unitEnd[u]`, u < `unitCount`.
    fileprivate var unitStart: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
    fileprivate var unitEnd: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
    fileprivate var unitCount = 0
    /// Shuffled visiting order of unit indices, and which units a chosen group covers.
    fileprivate var order: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
    fileprivate var covered: UnsafeMutableBufferPointer<Bool> = .init(start: nil, count: 0)
    /// Chosen groups as unit-index ranges, in the order they were chosen.
    fileprivate var chosenStart: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
    fileprivate var chosenEnd: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
    /// Per token position: masked, and the id it held before masking.
    fileprivate var masked: UnsafeMutableBufferPointer<Bool> = .init(start: nil, count: 0)
    fileprivate var original: UnsafeMutableBufferPointer<UInt32> = .init(start: nil, count: 0)
    private var capacity = 0

    public init() {}

    /// Makes every buffer hold at least `length` elements (a sequence has at most `length` units).
    fileprivate func reserve(_ length: Int) {
        guard length > capacity else { return }
        release()
        capacity = max(length, 2 * capacity, 128)
        unitStart = .allocate(capacity: capacity)
        unitEnd = .allocate(capacity: capacity)
        order = .allocate(capacity: capacity)
        covered = .allocate(capacity: capacity)
        chosenStart = .allocate(capacity: capacity)
        chosenEnd = .allocate(capacity: capacity)
        masked = .allocate(capacity: capacity)
        original = .allocate(capacity: capacity)
    }

    private func release() {
        guard capacity > 0 else { return }
        unitStart.deallocate(); unitEnd.deallocate(); order.deallocate(); covered.deallocate()
        chosenStart.deallocate(); chosenEnd.deallocate(); masked.deallocate(); original.deallocate()
    }

    deinit { release() }
}
