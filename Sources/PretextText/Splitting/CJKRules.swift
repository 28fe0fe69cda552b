/// The Chinese/Japanese sentence-end rules.
///
/// - A CJK full stop (`。`, `！`, `？`, fullwidth `．`, halfwidth `｡`) ends the sentence with
///   or without a following space; closing brackets and quotes after it (`」』）】”’`) stay
///   with the sentence. Exceptions: a fullwidth `．` between two digits or two Latin letters
///   (`３．５`, `ｆｉｌｅ．ｔｘｔ`), and a Japanese quotation closed right before the particle
///   と or って (`「行こう。」と言った。`).
/// - ASCII `.`, `!`, `?` right after Han or kana (text typed with halfwidth punctuation) end
///   the sentence like the Korean rule: with a space, or without one before Han, kana,
///   Hangul or an opening quote/bracket; the same Japanese quotation exception applies.
enum CJKRules {
    /// The full-stop rule; nil when the run holds no CJK stop.
    static func endsSentence(_ run: TerminalRun, in text: UTF8TextCursor, next q: Int) -> Bool? {
        guard run.cjkStops > 0 else { return nil }
        let spaced = q > run.end
        if !spaced && run.cjkStops == run.fullwidthPeriods && run.periods == 0 && !run.exclaims
            && run.closers == 0 && run.start > 0 {
            let before = text.scalar(before: run.start).value
            let after = text.scalar(at: q).value
            if ScalarClass.isDigit(before) && ScalarClass.isDigit(after) { return false }
            if isLatinLetterOrDigit(before) && isLatinLetterOrDigit(after) { return false }
        }
        if run.endsWithCloser && !spaced && isJapaneseQuotative(text, at: q) { return false }
        return true
    }

    /// ASCII marks after Han or kana; nil when the rule does not apply.
    static func asciiEndsSentence(_ run: TerminalRun, in text: UTF8TextCursor, next q: Int, previous: UInt32) -> Bool? {
        guard ScalarClass.isHanOrKana(previous), !run.isEllipsis else { return nil }
        let spaced = q > run.end
        if run.endsWithCloser && !spaced && isJapaneseQuotative(text, at: q) { return false }
        if spaced { return true }
        let v = text.scalar(at: q).value
        return ScalarClass.isHanOrKana(v) || ScalarClass.isHangul(v) || ScalarClass.isOpener(v)
    }

    static func isLatinLetterOrDigit(_ v: UInt32) -> Bool {
        ScalarClass.isDigit(v) || ScalarClass.isUppercase(v) || ScalarClass.isLowercase(v)
    }

    /// と, or って, at `q`.
    static func isJapaneseQuotative(_ text: UTF8TextCursor, at q: Int) -> Bool {
        let first = text.scalar(at: q)
        if first.value == 0x3068 { return true }                     // と
        guard first.value == 0x3063, q + first.length < text.count else { return false }   // っ
        return text.scalar(at: q + first.length).value == 0x3066     // て
    }
}
