/// The English (Latin-script) sentence-end rules; they also apply, in every language, to
/// terminal marks that do not follow Hangul, Han or kana.
///
/// A run of `.`, `!`, `?`, `…` (with its closing quotes and brackets) ends a sentence when
/// white space follows and then a plausible sentence start (``ScalarClass/isPlausibleSentenceStart(_:)``).
/// A single period is then still not an end after:
/// - a list number at the start of the sentence or of a line (`1.`, `2.1.`, `a.`, `iv.`);
/// - a ``Abbreviations/Kind/prefix`` abbreviation (`Dr.`, `e.g.`, `Jan.`);
/// - a ``Abbreviations/Kind/beforeNumber`` abbreviation followed by a number (`No. 5`, `Vol. II`);
/// - an ``Abbreviations/Kind/ambiguous`` abbreviation or dotted letters (`U.S.`, `Inc.`,
///   `J.K.`) unless a usual sentence starter follows (`The`, `It`, …);
/// - a single capital initial that belongs to a name: at the sentence start, after a word
///   that does not begin with a lowercase letter, or before another initial (`J. R. R.
///   Tolkien`, `David M. Gay`); after a lowercase word it ends the sentence only before a
///   usual sentence starter (`written in C. The` splits, `by R. David Murray` does not).
/// An ellipsis after white space or an opening bracket stands for omitted text and never
/// ends a sentence (`(...)`, `"=over" ... "=back"`).
enum EnglishRules {
    /// `korean` also admits a lowercase Latin word with a Hangul particle attached as a
    /// sentence start (`bookworm가`), as Korean text has no case to go by.
    static func endsSentence(_ run: TerminalRun, in text: UTF8TextCursor, next q: Int, sentenceStart: Int, korean: Bool = false) -> Bool {
        // White space must follow: "3.14", "v2.0.1", "example.com", "os.path.join",
        // "a@b.org" and "e.g.," never split.
        guard q > run.end else { return false }
        guard isPlausibleStart(text, at: q, korean: korean) else { return false }
        if run.isEllipsis && !run.terminalAfterCloser {
            // An ellipsis that stands for omitted text: "(...)", "[...]", "a ... b"; not "(...).".
            guard run.start > 0 else { return false }
            let before = text.scalar(before: run.start).value
            return !(ScalarClass.isWhiteSpace(before) || ScalarClass.isOpener(before))
        }
        guard run.isSinglePeriod else { return true }
        return !periodContinues(run, in: text, next: q, sentenceStart: sentenceStart)
    }

    /// ``ScalarClass/isPlausibleSentenceStart(_:)``, a list bullet (`•`, `‣`, `◦`, `▪`, or
    /// `*` before a space), or a code token of technical prose: `$ @ % \ # _ - .` directly
    /// followed by a letter, digit, `_`, `{` or `^` (`$x is`, `-q option`, `__init__ runs`,
    /// `.pyc files`, `\N{…} means`).
    @inline(__always)
    static func isPlausibleStart(_ text: UTF8TextCursor, at q: Int, korean: Bool) -> Bool {
        let first = text.scalar(at: q)
        if ScalarClass.isPlausibleSentenceStart(first.value) { return true }
        switch first.value {
        case 0x2022, 0x2023, 0x25E6, 0x25AA: return true
        default: break
        }
        guard q + 1 < text.count else { return false }
        let b = text[q], c = text[q + 1]
        switch b {
        case 0x2A:                                              // *
            return c == 0x20 || c == 0x09
        case 0x24, 0x40, 0x25, 0x5C, 0x23, 0x5F, 0x2D, 0x2E:   // $ @ % \ # _ - .
            return ScalarClass.isASCIILetter(c) || ScalarClass.isASCIIDigit(c) || c == 0x5F || c == 0x7B || c == 0x5E
        default:
            break
        }
        guard korean, ScalarClass.isASCIILower(b) else { return false }
        var j = q
        while j < text.count && j - q < 40 && (ScalarClass.isASCIILetter(text[j]) || ScalarClass.isASCIIDigit(text[j]) || text[j] == 0x2D) { j += 1 }
        return j < text.count && text[j] >= 0x80 && ScalarClass.isHangul(text.scalar(at: j).value)
    }

    /// Whether the single period at `run.start` belongs to a list number, an abbreviation
    /// or an initial rather than ending the sentence.
    static func periodContinues(_ run: TerminalRun, in text: UTF8TextCursor, next q: Int, sentenceStart: Int) -> Bool {
        let p = run.start
        guard let t = tokenStart(text, before: p, floor: sentenceStart) else { return false }
        if t == p { return false }
        if (t == sentenceStart || isLineStart(text, t)) && isListMarker(text, t, p) { return true }

        // The word: the token without leading opening quotes and brackets.
        var w = t
        while w < p {
            let d = text.scalar(at: w)
            guard ScalarClass.isOpener(d.value) else { break }
            w += d.length
        }
        guard w < p, ScalarClass.isASCIILetter(text[w]), ScalarClass.isASCIILetter(text[p - 1]) else { return false }
        var letters = 0, dots = 0, upper = 0
        var singleLetterGroups = true
        var group = 0
        for i in w..<p {
            let b = text[i]
            if b == 0x2E {
                dots += 1
                if group != 1 { singleLetterGroups = false }
                group = 0
            } else if ScalarClass.isASCIILetter(b) {
                letters += 1
                group += 1
                if ScalarClass.isASCIIUpper(b) { upper += 1 }
            } else {
                return false    // digits, hyphens, slashes: "3a.", "x-y.", "a/b." are words
            }
        }
        if group != 1 { singleLetterGroups = false }

        switch Abbreviations.kind(text, w, p) {
        case .prefix?: return true
        case .beforeNumber?: return ScalarClass.isDigit(text.scalar(at: q).value) || isRomanNumeral(text, at: q)
        case .ambiguous?: return !Abbreviations.isStarter(text, at: q)
        case nil: break
        }
        if dots > 0 && singleLetterGroups {
            // Dotted letters not in the list ("J.K.", "n.b."): ambiguous.
            return !Abbreviations.isStarter(text, at: q)
        }
        if letters == 1 && upper == 1 {
            return initialBelongsToName(text, wordStart: t, next: q, sentenceStart: sentenceStart)
        }
        return false
    }

    /// Start of the token (maximal run of non-space scalars) that ends at `end`; nil when
    /// it is longer than 40 bytes (no abbreviation or list number is).
    static func tokenStart(_ text: UTF8TextCursor, before end: Int, floor: Int) -> Int? {
        var t = end
        while t > floor {
            let b = text[t - 1]
            if b < 0x80 {
                if b == 0x20 || (b >= 0x09 && b <= 0x0D) { break }
                t -= 1
            } else {
                let d = text.scalar(before: t)
                if ScalarClass.isWhiteSpace(d.value) { break }
                t = d.start
            }
            if end - t > 40 { return nil }
        }
        return t
    }

    /// Only spaces or tabs between the previous line feed (or carriage return) and `t`.
    static func isLineStart(_ text: UTF8TextCursor, _ t: Int) -> Bool {
        var j = t
        while j > 0 {
            let b = text[j - 1]
            if b == 0x0A || b == 0x0D { return true }
            if b != 0x20 && b != 0x09 { return false }
            j -= 1
        }
        return true
    }

    /// `1`, `12`, `2.1`, `3.4.1` (groups of at most 3 digits), one ASCII letter, or a roman
    /// numeral of at most 6 letters in one case (`iv`, `XII`).
    static func isListMarker(_ text: UTF8TextCursor, _ start: Int, _ end: Int) -> Bool {
        let count = end - start
        guard count > 0 && count <= 12 else { return false }
        if count == 1 && ScalarClass.isASCIILetter(text[start]) { return true }
        if ScalarClass.isASCIIDigit(text[start]) {
            var group = 0
            for i in start..<end {
                let b = text[i]
                if ScalarClass.isASCIIDigit(b) {
                    group += 1
                    if group > 3 { return false }
                } else if b == 0x2E && group > 0 {
                    group = 0
                } else {
                    return false
                }
            }
            return group > 0
        }
        return count <= 6 && romanLength(text, at: start, limit: end) == count
    }

    /// Length of the roman numeral (letters of `ivxlcdm` or of `IVXLCDM`, one case) at `i`.
    static func romanLength(_ text: UTF8TextCursor, at i: Int, limit: Int) -> Int {
        var j = i
        var lower: Bool?
        while j < limit {
            let b = text[j]
            let isLower: Bool
            switch b {
            case 0x69, 0x76, 0x78, 0x6C, 0x63, 0x64, 0x6D: isLower = true   // i v x l c d m
            case 0x49, 0x56, 0x58, 0x4C, 0x43, 0x44, 0x4D: isLower = false  // I V X L C D M
            default: return j - i
            }
            if let l = lower, l != isLower { return 0 }
            lower = isLower
            j += 1
        }
        return j - i
    }

    /// An uppercase roman numeral word at `i` (`Vol. II`, `Part IV`), ended by a non-letter.
    static func isRomanNumeral(_ text: UTF8TextCursor, at i: Int) -> Bool {
        let n = romanLength(text, at: i, limit: min(text.count, i + 8))
        guard n > 0, ScalarClass.isASCIIUpper(text[i]) else { return false }
        return i + n == text.count || !ScalarClass.isASCIILetter(text[i + n])
    }

    /// A single capital before the period: part of a name unless a word beginning with a
    /// lowercase letter precedes it, no initial follows it and a usual sentence starter does.
    static func initialBelongsToName(_ text: UTF8TextCursor, wordStart t: Int, next q: Int, sentenceStart: Int) -> Bool {
        if t <= sentenceStart { return true }
        // Another initial follows: "D. E. Metzener".
        if q + 1 < text.count && ScalarClass.isASCIIUpper(text[q]) && text[q + 1] == 0x2E { return true }
        // The previous word, back over the white space before the initial.
        var e = t
        while e > sentenceStart && (text[e - 1] == 0x20 || text[e - 1] == 0x09) { e -= 1 }
        guard e > sentenceStart, let s = tokenStart(text, before: e, floor: sentenceStart) else { return false }
        var w = s
        while w < e {
            let d = text.scalar(at: w)
            guard ScalarClass.isOpener(d.value) else { break }
            w += d.length
        }
        guard w < e else { return false }
        if !ScalarClass.isLowercase(text.scalar(at: w).value) { return true }
        // After a lowercase word: a one-letter name ("written in C. When") or an initial
        // introduced by a preposition ("Contributed by R. David Murray"); a usual sentence
        // starter after it decides for the end.
        return !Abbreviations.isStarter(text, at: q)
    }
}
