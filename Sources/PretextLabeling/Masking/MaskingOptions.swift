/// How many tokens to mask and what to put in their place (BERT's masked LM recipe).
public struct MaskingOptions: Sendable, Equatable, Hashable {
    /// Which positions are chosen, in units of tokens, whole words, n-grams of words, or spans.
    public enum Strategy: Sendable, Equatable, Hashable {
        /// Individual tokens (BERT's original recipe).
        case token
        /// All pieces of a word together (a word = a word-start token and its continuations).
        case wholeWord
        /// n-grams of whole words, n ≤ `maxN`, P(n) ∝ 1/n (ALBERT).
        case ngram(maxN: Int)
        /// Spans of whole words with geometric lengths (SpanBERT: p = 0.2, at most 10 words).
        case span(p: Double, maxLength: Int)
    }

    /// Share of maskable tokens to predict (default 0.15).
    public var rate: Double
    /// Upper bound on predictions per sequence (Google's `max_predictions_per_seq`), nil = none.
    public var maxPredictions: Int?
    /// Share of chosen units replaced by `[MASK]` (default 0.8).
    public var maskShare: Double
    /// Share of chosen units replaced by random ids (default 0.1); the rest are kept.
    public var randomShare: Double
    public var strategy: Strategy
    /// What `n` in the prediction budget `round(n · rate)` counts.
    public var budgetBasis: BudgetBasis

    /// The length the prediction budget is taken from.
    public enum BudgetBasis: String, Sendable, Equatable, Hashable, CaseIterable {
        /// Every token of the sequence, `[CLS]` and `[SEP]` included — what Google's
        /// `create_pretraining_data.py` (`len(tokens)`) and fairseq's masking (`sz`) count.
        /// Masked share of content tokens ≈ 15.25% at rate 0.15 on BERT pairs.
        case sequence
        /// Only the maskable (non-special) tokens: exactly `rate` of the content, rounded.
        case maskable
    }

    public init(rate: Double = 0.15, maxPredictions: Int? = nil, maskShare: Double = 0.8, randomShare: Double = 0.1,
                strategy: Strategy = .token, budgetBasis: BudgetBasis = .sequence) {
        self.rate = rate
        self.maxPredictions = maxPredictions
        self.maskShare = maskShare
        self.randomShare = randomShare
        self.strategy = strategy
        self.budgetBasis = budgetBasis
    }

    /// The number of predictions for a sequence of `sequenceLength` tokens of which
    /// `maskable` can be masked: `min(maxPredictions, maskable, max(1, round(n · rate)))` with
    /// n from `budgetBasis`, rounding half to even as Python's `round` does in Google's
    /// script; 0 when nothing is maskable.
    public func predictionCount(maskable: Int, sequenceLength: Int) -> Int {
        guard maskable > 0 else { return 0 }
        let n = budgetBasis == .sequence ? max(maskable, sequenceLength) : maskable
        let wanted = max(1, Int((Double(n) * rate).rounded(.toNearestOrEven)))
        return min(wanted, maxPredictions ?? Int.max, maskable)
    }
}
