import Testing
@testable import PretextText

/// One test per rule of `SentenceSplitter` (docs/SPLITTING.md), each with cases that must
/// split and cases that must not, plus edge cases and a covering property.
@Suite struct SentenceSplitterTests {
    func split(_ text: String, _ language: SentenceSplitter.Language = .auto) -> [String] {
        SentenceSplitter(language: language).split(Array(text.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: English

    @Test func terminalMarksBeforeACapitalSplit() {
        #expect(split("The kettle boiled. Tea was poured! Was it hot? Nobody asked.")
                == ["The kettle boiled.", "Tea was poured!", "Was it hot?", "Nobody asked."])
        #expect(split("Really?! Yes... Quite so.") == ["Really?!", "Yes...", "Quite so."])
        #expect(split("Wait?!? Fine. 42 crates arrived.") == ["Wait?!?", "Fine.", "42 crates arrived."])
        #expect(split("Read the note. (It was short.) Then sleep.") == ["Read the note.", "(It was short.)", "Then sleep."])
        #expect(split("Der Zug fuhr ab. Über den Fluss ging es.") == ["Der Zug fuhr ab.", "Über den Fluss ging es."])
        #expect(split("The sign said so. 안내문은 짧았다.", .english) == ["The sign said so.", "안내문은 짧았다."])
    }

    @Test func terminalMarksBeforeALowercaseWordOrSymbolDoNotSplit() {
        #expect(split("Call it with f(x). then return.") == ["Call it with f(x). then return."])
        #expect(split("Is it done? maybe not.") == ["Is it done? maybe not."])
        #expect(split("\"Halt!\" cried the guard.") == ["\"Halt!\" cried the guard."])
        #expect(split("The total is 5. $ signs are stripped.") == ["The total is 5. $ signs are stripped."])
    }

    @Test func codeTokensStartSentencesInTechnicalProse() {
        #expect(split("The old value is kept. $total is reset later.") == ["The old value is kept.", "$total is reset later."])
        #expect(split("Verbosity rises. -q silences it. __init__ runs first. .pyc files are cached.")
                == ["Verbosity rises.", "-q silences it.", "__init__ runs first.", ".pyc files are cached."])
        #expect(split("Escapes work too. \\d matches a digit.") == ["Escapes work too.", "\\d matches a digit."])
        #expect(split("Two features. * Fast start. • Small size.") == ["Two features.", "* Fast start.", "• Small size."])
        // A lone symbol, a table bar or an emoticon is no sentence start.
        #expect(split("Add them. + is the operator. | cell | :-)") == ["Add them. + is the operator. | cell | :-)"])
    }

    @Test func abbreviationsDoNotEndSentences() {
        #expect(split("Dr. Okafor met Mrs. Lindqvist and Prof. Ito at St. Mary's.")
                == ["Dr. Okafor met Mrs. Lindqvist and Prof. Ito at St. Mary's."])
        #expect(split("Use a mild solvent, e.g. Ethanol works. Rinse after.")
                == ["Use a mild solvent, e.g. Ethanol works.", "Rinse after."])
        #expect(split("Compare cats vs. Dogs at length. Then decide.") == ["Compare cats vs. Dogs at length.", "Then decide."])
        #expect(split("Filed on Jan. 14 and heard on Tue. March the 3rd.") == ["Filed on Jan. 14 and heard on Tue. March the 3rd."])
        #expect(split("See the rule, cf. Smith and Jones. Next point.") == ["See the rule, cf. Smith and Jones.", "Next point."])
        // Case matters: "sun." and "sat." are words, "Sun." and "Sat." weekdays.
        #expect(split("They sat. Then they lay in the sun. Rain came.") == ["They sat.", "Then they lay in the sun.", "Rain came."])
    }

    @Test func numberAbbreviationsContinueOnlyBeforeNumbers() {
        #expect(split("Shown in Fig. 4 and on pp. 10-12 of Vol. II of the set.")
                == ["Shown in Fig. 4 and on pp. 10-12 of Vol. II of the set."])
        #expect(split("Did the pump start? No. The valve was shut.") == ["Did the pump start?", "No.", "The valve was shut."])
    }

    @Test func ambiguousAbbreviationsEndOnlyBeforeSentenceStarters() {
        #expect(split("She joined Acme Inc. The pay was fair.") == ["She joined Acme Inc.", "The pay was fair."])
        #expect(split("She joined Acme Inc. Research as an intern.") == ["She joined Acme Inc. Research as an intern."])
        #expect(split("The U.S. Navy sails at 6 a.m. Monday.") == ["The U.S. Navy sails at 6 a.m. Monday."])
        #expect(split("We left at 6 p.m. It was dark.") == ["We left at 6 p.m.", "It was dark."])
        #expect(split("Rivera earned a Ph.D. Her thesis was on ice.") == ["Rivera earned a Ph.D.", "Her thesis was on ice."])
        #expect(split("Martin Luther King Jr. Day is in January.") == ["Martin Luther King Jr. Day is in January."])
    }

    @Test func etceteraBeforeACapitalEndsTheSentence() {
        #expect(split("Bring pens, paper, etc. The room has chairs.") == ["Bring pens, paper, etc.", "The room has chairs."])
        #expect(split("Bring pens, paper, etc. and snacks.") == ["Bring pens, paper, etc. and snacks."])
    }

    @Test func initialsBelongToNames() {
        #expect(split("We read J. R. R. Tolkien aloud. It took weeks.") == ["We read J. R. R. Tolkien aloud.", "It took weeks."])
        #expect(split("The patch came from Ana B. Costa last year.") == ["The patch came from Ana B. Costa last year."])
        #expect(split("A. Novak wrote the first draft.") == ["A. Novak wrote the first draft."])
        #expect(split("Code by J.K. Lee was merged.") == ["Code by J.K. Lee was merged."])
        // After a lowercase word a lone capital ends the sentence: a language, a variable.
        #expect(split("The module is written in C. Another is in Rust.") == ["The module is written in C.", "Another is in Rust."])
        #expect(split("Store it in slot B. Then close the lid.") == ["Store it in slot B.", "Then close the lid."])
        #expect(split("Fixed (contributed by R. Daniel Okoro in May).") == ["Fixed (contributed by R. Daniel Okoro in May)."])
        // After a word that is not lowercase (a symbol, a number) it is read as a name.
        #expect(split("RFC 6066 by <editors> D. Eastlake.") == ["RFC 6066 by <editors> D. Eastlake."])
    }

    @Test func decimalsVersionsURLsAndFileNamesDoNotSplit() {
        #expect(split("Pi is about 3.14 and the ratio is 1.5x bigger.") == ["Pi is about 3.14 and the ratio is 1.5x bigger."])
        #expect(split("Upgrade to v2.0.1 first. Then restart.") == ["Upgrade to v2.0.1 first.", "Then restart."])
        #expect(split("Mail ops@example.com or see example.com/help. Call os.path.join. Done.")
                == ["Mail ops@example.com or see example.com/help.", "Call os.path.join.", "Done."])
        #expect(split("Edit setup.cfg and README.md now.") == ["Edit setup.cfg and README.md now."])
        #expect(split("Version 3. The next one is 4.") == ["Version 3.", "The next one is 4."])
    }

    @Test func ellipsesSplitOnlyBeforeAPlausibleStart() {
        #expect(split("It was... well, odd. We left.") == ["It was... well, odd.", "We left."])
        #expect(split("I waited… and waited.") == ["I waited… and waited."])
        #expect(split("I waited... Nobody came.") == ["I waited...", "Nobody came."])
        #expect(split("I waited… Nobody came.") == ["I waited…", "Nobody came."])
        // Omitted text, not an end: after an opening bracket or white space.
        #expect(split("He said [...] That was all.") == ["He said [...] That was all."])
        #expect(split("Each \"begin\" ... \"end\" pair is one block.") == ["Each \"begin\" ... \"end\" pair is one block."])
        // A period after the bracket still ends the sentence.
        #expect(split("It prints three dots (...). Then it waits.") == ["It prints three dots (...).", "Then it waits."])
    }

    @Test func closingQuotesAndBracketsStayWithTheirSentence() {
        #expect(split("He said \"Stop.\" Then he ran.") == ["He said \"Stop.\"", "Then he ran."])
        #expect(split("She asked, “Why?” Nobody knew.") == ["She asked, “Why?”", "Nobody knew."])
        #expect(split("It rained (as forecast.) Roads flooded.") == ["It rained (as forecast.)", "Roads flooded."])
        #expect(split("They called it 'done.' Was it?") == ["They called it 'done.'", "Was it?"])
        #expect(split("He wrote \"Stop.\" to the log.") == ["He wrote \"Stop.\" to the log."])
    }

    @Test func listNumbersAtTheStartDoNotSplit() {
        #expect(split("1. First item of the list") == ["1. First item of the list"])
        #expect(split("2.1. Where to get it") == ["2.1. Where to get it"])
        #expect(split("b. Second option applies.") == ["b. Second option applies."])
        #expect(split("iv. Fourth point.") == ["iv. Fourth point."])
        #expect(split("Steps follow. 1. Open the lid. 2. Pour.") == ["Steps follow.", "1. Open the lid.", "2. Pour."])
        #expect(split("Items:\n3. Bread") == ["Items:\n3. Bread"])
        // Not at a sentence start: an ordinary number.
        #expect(split("It sold 1990. Then it stopped.") == ["It sold 1990.", "Then it stopped."])
    }

    // MARK: Korean

    @Test func koreanTerminalEndingsSplit() {
        #expect(split("비가 왔다. 길이 젖었어요. 우산 있어요? 가져오세요! 그렇죠. 고맙습니다.", .korean)
                == ["비가 왔다.", "길이 젖었어요.", "우산 있어요?", "가져오세요!", "그렇죠.", "고맙습니다."])
        #expect(split("숙제를 끝냈다.그리고 잤다.", .korean) == ["숙제를 끝냈다.", "그리고 잤다."])
        #expect(split("정말 끝났나?Yes라고 답했다.", .korean) == ["정말 끝났나?", "Yes라고 답했다."])
        // Auto applies the same rules; English alone needs the space.
        #expect(split("숙제를 끝냈다.그리고 잤다.", .auto) == ["숙제를 끝냈다.", "그리고 잤다."])
        #expect(split("숙제를 끝냈다.그리고 잤다.", .english) == ["숙제를 끝냈다.그리고 잤다."])
        // A Hangul ending splits even before a lowercase word; a domain does not.
        #expect(split("설치를 마쳤다. apt 명령을 쓴다.", .korean) == ["설치를 마쳤다.", "apt 명령을 쓴다."])
        #expect(split("주소는 한국.kr 이다.", .korean) == ["주소는 한국.kr 이다."])
        // After a Latin word, a lowercase word carrying a Hangul particle starts a sentence.
        #expect(split("현재 버전은 trixie. bookworm은 이전 버전이다.", .korean) == ["현재 버전은 trixie.", "bookworm은 이전 버전이다."])
        #expect(split("현재 버전은 trixie. bookworm은 이전 버전이다.", .english) == ["현재 버전은 trixie. bookworm은 이전 버전이다."])
    }

    @Test func koreanClosingQuotesStayWithTheSentence() {
        #expect(split("그가 말했다. \"가자.\" 모두 일어섰다.", .korean) == ["그가 말했다.", "\"가자.\"", "모두 일어섰다."])
        #expect(split("그녀가 외쳤다 “조심해!” 차가 멈췄다.", .korean) == ["그녀가 외쳤다 “조심해!”", "차가 멈췄다."])
        #expect(split("「끝났어요.」 문이 닫혔다.", .korean) == ["「끝났어요.」", "문이 닫혔다."])
    }

    @Test func koreanQuotationBeforeAQuotativeParticleDoesNotSplit() {
        #expect(split("\"가자.\"라고 말했다. 그래서 갔다.", .korean) == ["\"가자.\"라고 말했다.", "그래서 갔다."])
        #expect(split("“왜요?”하고 물었다.", .korean) == ["“왜요?”하고 물었다."])
        #expect(split("'좋다.'며 웃었다.", .korean) == ["'좋다.'며 웃었다."])
        #expect(split("\"늦었다.\" 하고 서둘렀다.", .korean) == ["\"늦었다.\" 하고 서둘렀다."])
        #expect(split("\"늦었다.\" 라며 뛰었다.", .korean) == ["\"늦었다.\" 라며 뛰었다."])
        #expect(split("자세한 내용은 “설치는 어떻게 하나요?” 참조. 끝났다.", .korean) == ["자세한 내용은 “설치는 어떻게 하나요?” 참조.", "끝났다."])
        #expect(split("“설치는 어떻게 하나요?” 보세요. “끝났나요?” 보안이 중요하다.", .korean)
                == ["“설치는 어떻게 하나요?” 보세요.", "“끝났나요?”", "보안이 중요하다."])
        // Another word after the space starts a new sentence.
        #expect(split("\"늦었다.\" 하지만 아무도 서두르지 않았다.", .korean) == ["\"늦었다.\"", "하지만 아무도 서두르지 않았다."])
    }

    @Test func koreanNumberedReferencesDoNotSplit() {
        #expect(split("자세한 설명은 6.3절. “패키지 이름” 참조. 다음으로 넘어간다.", .korean)
                == ["자세한 설명은 6.3절. “패키지 이름” 참조.", "다음으로 넘어간다."])
        #expect(split("1장. 정의 및 개관", .korean) == ["1장. 정의 및 개관"])
        #expect(split("(7 장. 관리 도구 참조) 설치가 끝났다.", .korean) == ["(7 장. 관리 도구 참조) 설치가 끝났다."])
        // A counter word without a number is an ordinary sentence end.
        #expect(split("이것으로 이 장. 다음 장으로 간다.", .korean) == ["이것으로 이 장.", "다음 장으로 간다."])
    }

    @Test func koreanDecimalsDoNotSplit() {
        #expect(split("기온은 3.5도였다. 바람은 2.75 m/s였다.", .korean) == ["기온은 3.5도였다.", "바람은 2.75 m/s였다."])
        #expect(split("데비안 11.0을 설치했다.", .korean) == ["데비안 11.0을 설치했다."])
        #expect(split("2.1. 최신 버전은 무엇인가요?", .korean) == ["2.1. 최신 버전은 무엇인가요?"])
    }

    // MARK: CJK

    @Test func cjkFullStopsSplitWithOrWithoutSpace() {
        #expect(split("今天下雨了。我们在家。你来吗？来吧！", .cjk) == ["今天下雨了。", "我们在家。", "你来吗？", "来吧！"])
        #expect(split("雨が降った。 傘を持った。", .cjk) == ["雨が降った。", "傘を持った。"])
        #expect(split("終わった．次へ．", .cjk) == ["終わった．", "次へ．"])
        #expect(split("他笑了｡走吧", .cjk) == ["他笑了｡", "走吧"])
        // Decimals in fullwidth digits and file names stay whole.
        #expect(split("温度是３．５度。", .cjk) == ["温度是３．５度。"])
        // English alone ignores CJK stops.
        #expect(split("今天下雨了。我们在家。", .english) == ["今天下雨了。我们在家。"])
    }

    @Test func cjkClosersStayWithTheSentence() {
        #expect(split("他说：“走吧。”然后出门了。", .cjk) == ["他说：“走吧。”", "然后出门了。"])
        #expect(split("「もう寝る。」『おやすみ。』（終わり。）【注意！】次。", .cjk)
                == ["「もう寝る。」", "『おやすみ。』", "（終わり。）", "【注意！】", "次。"])
        #expect(split("彼は言った。「帰ろう。」と言った。", .cjk) == ["彼は言った。", "「帰ろう。」と言った。"])
        #expect(split("好!我们走?走吧.", .cjk) == ["好!", "我们走?", "走吧."])
    }

    // MARK: Edge cases

    @Test func emptyAndBlankInputsHaveNoSentences() {
        #expect(split("").isEmpty)
        #expect(split("   \t  ").isEmpty)
        #expect(split("\u{3000}\u{00A0} \u{2003}").isEmpty)
        #expect(split(" . ") == ["."])
    }

    @Test func textWithoutTerminalPunctuationIsOneSentence() {
        #expect(split("  a heading without any full stop  ") == ["a heading without any full stop"])
        #expect(split("Done. and then some trailing words") == ["Done. and then some trailing words"])
        #expect(split("First one ends. Trailing words without a stop") == ["First one ends.", "Trailing words without a stop"])
        #expect(split("Ends here.   ") == ["Ends here."])
    }

    @Test func invalidUTF8PassesThroughInsideRanges() {
        let bytes: [UInt8] = Array("Bad ".utf8) + [0xFF, 0xC3] + Array(". Next ".utf8) + [0xE2, 0x80] + Array(" end.".utf8) + [0xED, 0xA0, 0x80]
        let ranges = bytes.withUnsafeBytes { SentenceSplitter().split($0) }
        #expect(ranges == [0..<7, 8..<23])
        #expect(SentenceSplitter().split([0x80, 0x2E, 0x20, 0x41]) == [[0x80, 0x2E], [0x41]])
        #expect(SentenceSplitter().split([0xF0, 0x9F]) == [[0xF0, 0x9F]])
    }

    @Test func sentencesAndTrimmedSpaceReproduceTheInput() {
        // Deterministic pseudo-random paragraphs from a pool of fragments of every rule.
        let pool = ["Dr.", "Smith", "said", "\"Stop.\"", "Then", "3.14", "e.g.", "의", "했다.", "그리고", "。",
                    "今天", "?!", "...", "U.S.", "1.", "J.", "R.", "Tolkien", "“가자.”라고", "」", " ", "  ", "\t",
                    "\u{3000}", "\u{00A0}", "etc.", "No.", "5", "lowercase", "Wow!", "(see", "below.)", "Ａ．"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for language in SentenceSplitter.Language.allCases {
            let splitter = SentenceSplitter(language: language)
            for _ in 0..<300 {
                var text: [UInt8] = []
                for _ in 0..<(Int(state % 40)) {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    text += Array(pool[Int(state >> 33) % pool.count].utf8)
                    if state & 0x100 != 0 { text.append(0x20) }
                    if state & 0x7000 == 0 { text.append(UInt8(truncatingIfNeeded: state >> 20) | 0x80) }
                }
                let ranges = text.withUnsafeBytes { splitter.split($0) }
                var at = 0
                var rebuilt: [UInt8] = []
                for r in ranges {
                    #expect(r.lowerBound >= at && !r.isEmpty)
                    rebuilt += text[at..<r.lowerBound] + text[r]
                    #expect(isSpace(text[at..<r.lowerBound]))
                    let scalars = String(decoding: text[r], as: UTF8.self).unicodeScalars
                    #expect(!scalars.first!.properties.isWhitespace && !scalars.last!.properties.isWhitespace)
                    at = r.upperBound
                }
                #expect(isSpace(text[at...]))
                rebuilt += text[at...]
                #expect(rebuilt == text)
            }
        }
    }

    /// Whether `bytes` decode to white space only (ASCII and the Unicode spaces used above).
    func isSpace(_ bytes: ArraySlice<UInt8>) -> Bool {
        String(decoding: bytes, as: UTF8.self).unicodeScalars.allSatisfy { $0.properties.isWhitespace }
    }

    @Test func splittingIsDeterministicAcrossCalls() {
        let text = Array("One. Two! 셋이다.넷 「五。」 six?".utf8)
        let first = SentenceSplitter().split(text)
        for _ in 0..<5 { #expect(SentenceSplitter().split(text) == first) }
        #expect(first.count == 5)
    }
}
