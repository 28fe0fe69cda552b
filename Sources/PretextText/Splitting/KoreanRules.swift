/// The Korean sentence-end rules, for `.`, `!`, `?` right after a Hangul syllable or jamo
/// (`했다.`, `있나요?`, `하세요!`, `ㅋㅋ.`).
///
/// - The mark ends the sentence with or without a following space: `했다.그리고` splits
///   between `.` and `그`. Without a space the next scalar must be Hangul, Han, kana, an
///   uppercase letter or an opening quote/bracket; a lowercase Latin letter, a digit or other
///   punctuation does not split (`한국.kr`).
/// - A closing quote or bracket after the mark stays with the sentence (`"가자."`).
/// - A quotation that ends with a terminal mark and is followed by a particle or a quotative
///   verb does not end the sentence: Hangul right after the closing quote (`"가자."라고`,
///   `"좋다."고`, `"왜?"는`), or after a space one of 하고, 하며, 하면(서), 하는, 하니, 하자,
///   하여, 하였…, 했…, 라고, 라며, 라는, 라면, and the reference words 참조, 참고, 보십…,
///   보세…, 보시… (`"가자." 하고 말했다`, `6.3절. “무엇인가요?” 참조`).
/// - A period after a counter that follows a number (`3장.`, `12.1절.`, `7 장.`: chapter,
///   section, clause, page, …) is a numbered reference or heading, not a sentence end.
/// - An ellipsis (`...`, `…`) after Hangul is left to the English rule: white space and a
///   plausible start (Hangul is one) split it.
/// Decimals (`3.5도`) never reach this rule: the mark follows a digit, not Hangul.
enum KoreanRules {
    /// nil when the rule does not apply to this run.
    static func endsSentence(_ run: TerminalRun, in text: UTF8TextCursor, next q: Int, previous: UInt32) -> Bool? {
        guard ScalarClass.isHangul(previous), run.cjkStops == 0, !run.isEllipsis else { return nil }
        let spaced = q > run.end
        let next = text.scalar(at: q)
        if run.isSinglePeriod && isNumberedReference(text, before: run.start) { return false }
        if run.endsWithCloser {
            if !spaced && ScalarClass.isHangul(next.value) { return false }
            if spaced && startsWithQuotativeVerb(text, at: q, first: next) { return false }
        }
        if spaced { return true }
        let v = next.value
        return ScalarClass.isHangul(v) || ScalarClass.isHanOrKana(v) || ScalarClass.isUppercase(v) || ScalarClass.isOpener(v)
    }

    static let ha: UInt32 = 0xD558          // 하
    static let ra: UInt32 = 0xB77C          // 라
    static let haet: UInt32 = 0xD588        // 했
    static let bo: UInt32 = 0xBCF4          // 보
    /// 십 세 시
    static let afterBo: [UInt32] = [0xC2ED, 0xC138, 0xC2DC]
    static let cham: UInt32 = 0xCC38        // 참
    static let jo: UInt32 = 0xC870          // 조
    static let go: UInt32 = 0xACE0          // 고

    /// Counters of numbered parts: 장 절 항 조 편 권 부 쪽 면 호 (chapter, section, clause, …).
    static let counters: [UInt32] = [0xC7A5, 0xC808, 0xD56D, 0xC870, 0xD3B8, 0xAD8C, 0xBD80, 0xCABD, 0xBA74, 0xD638]

    /// A counter syllable right after a number (`3장.`, `12.1절.`, `7 장.`): a numbered
    /// reference or heading such as `6.3절. “Title” 참조`, not a sentence end.
    static func isNumberedReference(_ text: UTF8TextCursor, before end: Int) -> Bool {
        let syllable = text.scalar(before: end)
        guard counters.contains(syllable.value), syllable.start > 0 else { return false }
        var j = syllable.start
        if text[j - 1] == 0x20 && j > 1 { j -= 1 }
        return ScalarClass.isASCIIDigit(text[j - 1])
    }

    /// 고 며 면 는 니 자 여 였
    static let afterHa: [UInt32] = [0xACE0, 0xBA70, 0xBA74, 0xB294, 0xB2C8, 0xC790, 0xC5EC, 0xC600]
    /// 고 며 는 면
    static let afterRa: [UInt32] = [0xACE0, 0xBA70, 0xB294, 0xBA74]

    static func startsWithQuotativeVerb(_ text: UTF8TextCursor, at q: Int, first: (value: UInt32, length: Int)) -> Bool {
        if first.value == haet { return true }
        if first.value == cham, q + first.length < text.count {
            let second = text.scalar(at: q + first.length).value
            return second == jo || second == go      // 참조, 참고: "(…) “Title?” 참조"
        }
        if first.value == bo, q + first.length < text.count {
            let second = text.scalar(at: q + first.length).value
            return afterBo.contains(second)          // 보십시오, 보세요, 보시오: "“Title?” 보세요"
        }
        guard first.value == ha || first.value == ra, q + first.length < text.count else { return false }
        let second = text.scalar(at: q + first.length).value
        return first.value == ha ? afterHa.contains(second) : afterRa.contains(second)
    }
}
