/// A candidate sentence end: a run of terminal marks (`.`, `!`, `?`, `…`, CJK full stops)
/// together with the closing quotes and brackets that follow it (`?!`, `..."`, `.)`, `。」`).
///
/// The sentence would end at ``end``, after the closers; the rules decide whether it does.
struct TerminalRun {
    /// Byte offset of the first terminal mark.
    var start: Int
    /// Byte offset just after the last terminal mark or closer.
    var end: Int
    /// ASCII periods in the run.
    var periods = 0
    /// `!`, `?` or a doubled mark (`‼ ⁇ ⁈ ⁉`) in the run.
    var exclaims = false
    /// The ellipsis character `…` in the run.
    var ellipsisCharacter = false
    /// CJK full stops in the run, and how many of them are the fullwidth period `．`.
    var cjkStops = 0
    var fullwidthPeriods = 0
    /// Closers in the run, and whether the run ends with one.
    var closers = 0
    var endsWithCloser = false
    /// A terminal mark after a closer (`(...).`, `"Stop!".`): the mark after the closer is
    /// the one that may end the sentence.
    var terminalAfterCloser = false

    /// One period and nothing else but closers: the case abbreviations, initials, list
    /// numbers and decimals are about.
    var isSinglePeriod: Bool { periods == 1 && !exclaims && !ellipsisCharacter && cjkStops == 0 }
    /// `..`, `...`, `…` (with no `!`/`?`/CJK stop).
    var isEllipsis: Bool { (periods >= 2 || ellipsisCharacter) && !exclaims && cjkStops == 0 }

    /// The run that starts at byte `i`, or nil when no terminal mark starts there.
    /// CJK stops count only when `cjk` is set.
    @inline(__always)
    static func scan(_ text: UTF8TextCursor, at i: Int, cjk: Bool) -> TerminalRun? {
        var run = TerminalRun(start: i, end: i)
        var j = i
        let n = text.count
        while j < n {
            let b = text[j]
            if b == 0x2E || b == 0x21 || b == 0x3F {
                if b == 0x2E { run.periods += 1 } else { run.exclaims = true }
                if run.closers > 0 { run.terminalAfterCloser = true }
                run.endsWithCloser = false
                j += 1
                continue
            }
            if j == i && b < 0x80 { return nil }
            let d = text.scalar(at: j)
            if d.value >= 0x80 && ScalarClass.isLatinTerminal(d.value) {
                if d.value == 0x2026 { run.ellipsisCharacter = true } else { run.exclaims = true }
                if run.closers > 0 { run.terminalAfterCloser = true }
                run.endsWithCloser = false
            } else if cjk && ScalarClass.isCJKTerminal(d.value) {
                run.cjkStops += 1
                if d.value == 0xFF0E { run.fullwidthPeriods += 1 }
                if run.closers > 0 { run.terminalAfterCloser = true }
                run.endsWithCloser = false
            } else if j > i && ScalarClass.isCloser(d.value) {
                run.closers += 1
                run.endsWithCloser = true
            } else {
                break
            }
            j += d.length
        }
        guard j > i else { return nil }
        run.end = j
        return run
    }
}
