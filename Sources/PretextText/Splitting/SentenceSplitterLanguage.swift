extension SentenceSplitter {
    /// Which rule sets a ``SentenceSplitter`` applies.
    ///
    /// The English rules are the base of every language: Korean and CJK text routinely holds
    /// Latin words, numbers and abbreviations, and a mark that follows them is judged by the
    /// English rules. The script rules add to them and trigger only on their scripts.
    public enum Language: String, Sendable, Hashable, CaseIterable {
        /// English rules only: `.`, `!`, `?`, `…` need white space and a plausible sentence
        /// start after them; Hangul gets no special treatment and CJK full stops do not split.
        case english
        /// English rules, plus the Korean rules for marks right after Hangul.
        case korean
        /// English rules, plus CJK full stops and ASCII marks right after Han or kana.
        case cjk
        /// Every rule set; the Korean and CJK rules trigger on their scripts.
        case auto

        var koreanRules: Bool { self == .korean || self == .auto }
        var cjkRules: Bool { self == .cjk || self == .auto }
    }
}
