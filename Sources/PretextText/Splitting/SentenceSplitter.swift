/// A rule-based sentence splitter for English, Korean and CJK text, on UTF-8 bytes.
///
/// Input is one paragraph; output are the byte ranges of its sentences, in order, trimmed of
/// ASCII and Unicode white space, never empty. The gaps between ranges hold only white
/// space, so the ranges cover every other byte, invalid UTF-8 included (an invalid byte
/// decodes as U+FFFD of length one and is never a boundary). Deterministic, allocation-free
/// apart from the result; the scan looks at a byte at a time and decodes scalars only around
/// `.` `!` `?` `…` and CJK full stops. docs/SPLITTING.md has the measured agreement with
/// pySBD, blingfire, syntok and kss.
///
/// A sentence ends after a run of terminal marks and the closing quotes and brackets that
/// follow it (`?!`, `...`, `."`, `?)`, `。」`) when the rules below say so; the closers stay with
/// the sentence they close (`He said "Stop." Then …` splits after the quote).
///
/// **English** (``EnglishRules``; applies in every ``Language`` to marks that do not follow
/// Hangul, Han or kana):
/// - The run must be followed by white space and then a plausible sentence start: an
///   uppercase letter, a digit, an opening quote or bracket, or a letter of a non-Latin
///   script. So decimals and versions (`3.14`, `v2.0.1`, `1.5x`), URLs, e-mail addresses and
///   file names (`example.com`, `os.path.join`) never split, and neither does a mark before
///   a lowercase word (`"Stop!" he said`, an ellipsis mid-sentence: `wait... then`).
/// - A single period is not an end after a list number at the start of the sentence or of
///   a line (`1. First`, `2.1. Title`, `a.`, `iv.`), nor after an abbreviation of the
///   curated list (``Abbreviations``): titles, Latin and reference abbreviations, months and
///   weekdays never end a sentence (`Dr.`, `e.g.`, `vs.`, `Jan.`, `Mon.`); `No.`, `Vol.`,
///   `pp.`, `Fig.` continue before a number; `Inc.`, `Ltd.`, `Co.`, `Corp.`, `Jr.`, `Sr.`,
///   `al.`, `U.S.`, `U.K.`, `U.N.`, `Ph.D.`, `a.m.`, `p.m.` and other dotted letters end it only
///   before a word that usually begins a sentence (`The`, `It`, `This`, …).
/// - A single capital initial belongs to a name (`J. R. R. Tolkien`, `David M. Gay`) unless a
///   lowercase word precedes it and no initial follows (`written in C. The` splits).
/// - `etc.` is not in the list: it ends the sentence before any plausible start (`… and so
///   on, etc. The next` splits; before a lowercase word it cannot). In running text a
///   capital after `etc.` almost always begins a new sentence.
///
/// **Korean** (``KoreanRules``, `.korean` and `.auto`): `.` `!` `?` right after Hangul end the
/// sentence with or without a space (`했다.그리고`); a quotation ending in a mark and followed
/// by a particle or quotative verb does not (`"가자."라고 말했다`).
///
/// **CJK** (``CJKRules``, `.cjk` and `.auto`): `。！？．｡` end the sentence with or without a
/// space, closers attached (`。」`, `！）`); not a fullwidth `．` between digits, nor a
/// Japanese quotation before と/って. ASCII marks after Han or kana split like Korean ones.
///
/// Known limitations (docs/SPLITTING.md): line breaks inside the paragraph are white space,
/// not boundaries; a sentence that ends in a listed abbreviation or a name-like initial is
/// kept with the next one (`Part I. The`, `Acme Inc. Research began`); a sentence that starts
/// with a lowercase word or a symbol other than a code token is kept with the previous one;
/// Korean sentences need a terminal mark (no morphology); case is known for Latin, Greek,
/// Cyrillic and fullwidth letters only.
public struct SentenceSplitter: Sendable {
    public let language: Language

    public init(language: Language = .auto) {
        self.language = language
    }

    /// ASCII bytes that can start a terminal run: `!` (0x21), `.` (0x2E), `?` (0x3F).
    static let asciiCandidates: UInt64 = (1 << 0x21) | (1 << 0x2E) | (1 << 0x3F)

    /// Byte ranges of the sentences of one paragraph of UTF-8 text.
    public func split(_ text: UnsafeRawBufferPointer) -> [Range<Int>] {
        let t = UTF8TextCursor(text)
        let n = t.count
        var out: [Range<Int>] = []
        let korean = language.koreanRules
        let cjk = language.cjkRules
        var segment = 0
        var i = 0
        while i < n {
            let b = t[i]
            if b < 0x80 {
                if b >= 0x40 || (Self.asciiCandidates >> UInt64(b)) & 1 == 0 { i += 1; continue }
            } else if !(b == 0xE2 || (cjk && (b == 0xE3 || b == 0xEF))) {
                // … ‼ ⁇ ⁈ ⁉ start with E2; 。 with E3; ！ ？ ． ｡ with EF.
                i += 1
                continue
            }
            guard let run = TerminalRun.scan(t, at: i, cjk: cjk) else { i += 1; continue }
            if endsSentence(run, in: t, segment: segment, korean: korean, cjk: cjk) {
                Self.append(t, segment, run.end, to: &out)
                segment = run.end
            }
            i = run.end
        }
        Self.append(t, segment, n, to: &out)
        return out
    }

    /// The sentences of one paragraph, as byte arrays.
    public func split(_ text: [UInt8]) -> [[UInt8]] {
        text.withUnsafeBytes { buffer in split(buffer).map { Array(text[$0]) } }
    }

    @inline(__always)
    func endsSentence(_ run: TerminalRun, in t: UTF8TextCursor, segment: Int, korean: Bool, cjk: Bool) -> Bool {
        let q = t.skipWhiteSpace(from: run.end)
        if q >= t.count { return false }   // the paragraph ends here anyway
        if cjk, let decision = CJKRules.endsSentence(run, in: t, next: q) { return decision }
        let previous = run.start > 0 ? t.scalar(before: run.start).value : 0
        if korean, let decision = KoreanRules.endsSentence(run, in: t, next: q, previous: previous) { return decision }
        if cjk, let decision = CJKRules.asciiEndsSentence(run, in: t, next: q, previous: previous) { return decision }
        return EnglishRules.endsSentence(run, in: t, next: q, sentenceStart: t.skipWhiteSpace(from: segment), korean: korean)
    }

    /// Appends `start..<end` trimmed of white space, unless nothing is left.
    @inline(__always)
    static func append(_ t: UTF8TextCursor, _ start: Int, _ end: Int, to out: inout [Range<Int>]) {
        let s = t.skipWhiteSpace(from: start)
        guard s < end else { return }
        let e = t.trimWhiteSpace(end: end, floor: s)
        if s < e { out.append(s..<e) }
    }
}
