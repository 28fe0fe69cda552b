/// The curated English abbreviation list and the words that usually begin a sentence.
///
/// Words are looked up as ASCII bytes packed into a `UInt64` (at most 8 bytes, without the
/// final period; inner periods kept: `e.g`, `U.S`, `Ph.D`), so the splitter builds no strings.
/// Matching is case-sensitive: `Sun.` (Sunday) is an abbreviation but `sun.` is a word, `No.`
/// before a number is one but `no.` at the end of an answer is not. Lowercase abbreviations
/// also list their capitalized form where a sentence may begin with them (`E.g.`, `Cf.`).
enum Abbreviations {
    enum Kind: Sendable {
        /// Never ends a sentence: titles before a name (`Dr.`), Latin and reference
        /// abbreviations that always continue (`e.g.`, `vs.`, `cf.`), months and weekdays.
        case prefix
        /// Continues the sentence when a number follows (`No. 5`, `Fig. 3`, `pp. 10–12`, `Vol. II`);
        /// otherwise an ordinary word (`Did it work? No. It failed.`).
        case beforeNumber
        /// May end a sentence (`Apple Inc.`, `the U.S.`, `5 p.m.`): ends it only when the next
        /// word is one that usually begins a sentence (``starters``: The, It, This, …).
        case ambiguous
    }

    static let prefix = [
        "Mr", "Mrs", "Ms", "Mx", "Messrs", "Mmes", "Dr", "Drs", "Prof", "Rev", "Hon", "Gen", "Col",
        "Lt", "Capt", "Sgt", "Cmdr", "Adm", "Gov", "Sen", "Rep", "Pres", "Supt", "Mt", "Ft", "St",
        "vs", "Vs", "v", "e.g", "E.g", "eg", "Eg", "i.e", "I.e", "ie", "cf", "Cf", "viz", "Viz",
        "approx", "Approx", "ca", "esp", "incl", "resp", "a.k.a", "w.r.t", "Dept", "Univ",
        "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
        "Mon", "Tue", "Tues", "Wed", "Thu", "Thur", "Thurs", "Fri", "Sat", "Sun",
    ]

    static let beforeNumber = [
        "No", "Nos", "no", "nos", "Nr", "nr", "Vol", "Vols", "vol", "pp", "p", "Fig", "Figs", "fig",
        "Eq", "Eqs", "eq", "Sec", "Sect", "Ch", "ch", "Chap", "Art", "Ref", "Refs", "Tab", "Pt", "pt",
        "Op", "op", "Par", "Para", "para", "Ex",
    ]

    static let ambiguous = [
        "Inc", "Ltd", "Co", "Corp", "Jr", "Sr", "Bros", "Plc", "LLC", "Esq", "al",
        "a.m", "p.m", "A.M", "P.M", "U.S", "U.K", "U.N", "U.S.A", "E.U", "D.C",
        "Ph.D", "M.D", "B.A", "M.A", "B.S", "M.S", "M.Sc", "B.Sc",
    ]

    /// Words after which an ``Kind/ambiguous`` abbreviation, or a one-letter capital after a
    /// lowercase word, is taken as sentence-final: pronouns, determiners, conjunctions,
    /// common adverbs and the imperatives of technical prose.
    static let starters = [
        "The", "A", "An", "I", "He", "She", "It", "We", "They", "You", "This", "That", "These",
        "Those", "There", "Then", "But", "And", "Or", "So", "If", "In", "On", "At", "As", "For",
        "When", "While", "After", "Before", "However", "Also", "His", "Her", "Its", "Their", "Our",
        "My", "Your", "What", "Who", "Why", "How", "Where", "Some", "Many", "Most", "All", "Each",
        "Not", "One", "To", "With", "By", "From", "Thus", "Yet", "Since", "Because", "Although",
        "Here", "Now", "Today", "Later", "Meanwhile", "Such", "Both", "Every", "Other", "Another",
        "Note", "See", "Use", "Please", "Otherwise", "Instead", "Finally", "First", "Second",
    ]

    static let kinds: [UInt64: Kind] = {
        var table: [UInt64: Kind] = [:]
        for w in prefix { table[key(w)] = .prefix }
        for w in beforeNumber { table[key(w)] = .beforeNumber }
        for w in ambiguous { table[key(w)] = .ambiguous }
        return table
    }()

    static let starterKeys: Set<UInt64> = Set(starters.map(key))

    static func key(_ word: String) -> UInt64 {
        var k: UInt64 = 0
        for (n, b) in word.utf8.enumerated() { k |= UInt64(b) << (8 * UInt64(n)) }
        return k
    }

    /// The packed key of the ASCII bytes `text[start..<end]`, or nil when longer than 8 bytes.
    @inline(__always)
    static func key(_ text: UTF8TextCursor, _ start: Int, _ end: Int) -> UInt64? {
        guard end - start <= 8, end > start else { return nil }
        var k: UInt64 = 0
        var shift: UInt64 = 0
        for i in start..<end {
            k |= UInt64(text[i]) << shift
            shift += 8
        }
        return k
    }

    static func kind(_ text: UTF8TextCursor, _ start: Int, _ end: Int) -> Kind? {
        guard let k = key(text, start, end) else { return nil }
        return kinds[k]
    }

    /// Whether the ASCII letters starting at `start` form one of the ``starters``.
    static func isStarter(_ text: UTF8TextCursor, at start: Int) -> Bool {
        var end = start
        while end < text.count && end - start <= 8 && ScalarClass.isASCIILetter(text[end]) { end += 1 }
        guard let k = key(text, start, end) else { return false }
        return starterKeys.contains(k)
    }
}
