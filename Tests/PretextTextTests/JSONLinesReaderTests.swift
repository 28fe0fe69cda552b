import Foundation
import Testing
import PretextCore
import PretextTestSupport
@testable import PretextText

@Suite struct JSONLinesReaderTests {
    func read(_ text: String, textField: String = "text", idField: String? = nil, options: ReaderOptions = ReaderOptions())
        throws -> (docs: [Document], report: ReaderReport, path: String)
    {
        let path = try TemporaryFolder.shared.file(named: "records.jsonl", text: text)
        let reader = try JSONLinesReader(path: path, inputOrdinal: 2, textField: textField, idField: idField, options: options)
        let r = try ReaderTesting.readAll(reader)
        return (r.docs, r.report, path)
    }

    @Test func eachRecordIsADocumentSplitOnNewlines() throws {
        let r = try read("""
            {"id": "doc-1", "text": "First paragraph.\\nSecond one.\\n\\n\\nThird, after blank lines."}
            {"text": "Only one", "id": 42}

            {"meta": {"a": [1, -2.5e10, true, false, null, "x\\"y", {}], "b": []}, "text": "  spaced  \\r\\n", "id": -1.5E+3}
            """, idField: "id")
        #expect(r.docs.map(ReaderTesting.texts) == [["First paragraph.", "Second one.", "Third, after blank lines."], ["Only one"], ["spaced"]])
        #expect(r.docs.map(\.externalID) == ["doc-1", "42", "-1.5E+3"])
        #expect(r.docs.map(\.documentOrdinal) == [0, 1, 2])
        #expect(r.docs.allSatisfy { !$0.segmentsAreSentences && $0.inputOrdinal == 2 })
        #expect(r.report.documents == 3 && r.report.segments == 5)
        #expect(r.report.malformedJSONLines == 0)
        #expect(r.report.problems.isEmpty)
    }

    @Test func escapesAreDecoded() throws {
        let r = try read(#"""
            {"text": "caf\u00e9 \u00E9 \ud83d\ude00 tab\there \"q\" back\\slash \/ \b\f end"}
            {"text": "lone \ud800 high, lone \udc00 low, \ud800\u0041 pair-less"}
            {"te\u0078t": "escaped key"}
            {"text": "nul\u0000gone"}
            """#)
        #expect(r.docs.map(ReaderTesting.texts) == [
            ["café é 😀 tab\there \"q\" back\\slash / \u{8}\u{C} end"],
            ["lone \u{FFFD} high, lone \u{FFFD} low, \u{FFFD}A pair-less"],
            ["escaped key"],
            ["nulgone"],
        ])
        #expect(r.report.invalidUTF8Lines == 1)
        #expect(r.report.nulBytes == 1)
        #expect(r.report.problems == [
            "\(r.path):2: 3 lone surrogate escape(s) in \"text\" replaced by U+FFFD",
            "\(r.path):4: 1 \\u0000 removed from \"text\"",
        ])
    }

    @Test func badLinesAreReportedAndGoodLinesComeThrough() throws {
        let lines = [
            #"{"text": "good 1"}"#,
            #"{"text": "unterminated"#,
            #"not json at all"#,
            #"{"text": 5}"#,
            #"{"other": "no text field"}"#,
            #"{"text": "ok"} trailing"#,
            "{\"text\": \"raw\u{1}control\"}",
            #"[1, 2]"#,
            #"{"text": "a",}"#,
            #"{"a": 01, "text": "x"}"#,
            #"{"a": 1., "text": "x"}"#,
            #"{"a": tru, "text": "x"}"#,
            #"{"a": "\x", "text": "x"}"#,
            #"{"a": "\u12G4", "text": "x"}"#,
            #"{"text": null}"#,
            #"{"a" 1, "text": "x"}"#,
            #"{"deep": "# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + #", "text": "x"}"#,
            #"{"text": "good 2"}"#,
        ]
        let r = try read(lines.joined(separator: "\n") + "\n")
        #expect(r.docs.map(ReaderTesting.texts) == [["good 1"], ["good 2"]])
        #expect(r.docs.map(\.documentOrdinal) == [0, 1])
        #expect(r.report.malformedJSONLines == UInt64(lines.count - 2))
        #expect(r.report.problems.count == lines.count - 2)
        for (k, problem) in r.report.problems.enumerated() {
            #expect(problem.hasPrefix("\(r.path):\(k + 2): "), "\(problem)")
            #expect(problem.hasSuffix("skipped"), "\(problem)")
        }
        #expect(r.report.problems[0].contains("malformed JSON at byte"))
        #expect(r.report.problems[2] == "\(r.path):4: \"text\" is a number, not a string; line skipped")
        #expect(r.report.problems[3] == "\(r.path):5: no \"text\" field, line skipped")
        #expect(r.report.problems[13] == "\(r.path):15: \"text\" is null, not a string; line skipped")
    }

    @Test func fieldNamesAreConfigurableAndLastDuplicateWins() throws {
        let r = try read("""
            {"body": "first", "body": "second", "url": "https://x/1"}
            {"body": "no id"}
            {"body": "object id", "url": {"a": 1}}
            """, textField: "body", idField: "url")
        #expect(r.docs.map(ReaderTesting.texts) == [["second"], ["no id"], ["object id"]])
        #expect(r.docs.map(\.externalID) == ["https://x/1", nil, nil])
        #expect(r.report.malformedJSONLines == 0)
        #expect(r.report.problems == [
            "\(r.path):2: no \"url\" field; document kept without an id",
            "\(r.path):3: \"url\" is an object, not a string or number; document kept without an id",
        ])
    }

    @Test func emptyTextIsAnEmptyDocument() throws {
        let r = try read(#"{"text": ""}"# + "\n" + #"{"text": " \n\n \t"}"# + "\n" + #"{"text": "x"}"#)
        #expect(r.docs.map(ReaderTesting.texts) == [["x"]])
        #expect(r.docs.first?.documentOrdinal == 0)
        #expect(r.report.emptyDocuments == 2)
    }

    @Test func longRecordsAreCutAtTheDocumentCap() throws {
        let r = try read(#"{"text": "aaaa\nbbbb\ncccc", "id": 7}"#, idField: "id", options: ReaderOptions(maxDocumentBytes: 8))
        #expect(r.docs.map(ReaderTesting.texts) == [["aaaa", "bbbb"], ["cccc"]])
        #expect(r.docs.map(\.externalID) == ["7", "7"])
        #expect(r.report.splitDocuments == 1)
    }

    @Test func overlongJSONLinesAreSkippedNotSplit() throws {
        let big = #"{"text": ""# + String(repeating: "x", count: 100) + #""}"#
        let r = try read(#"{"text": "a"}"# + "\n" + big + "\n" + #"{"text": "b"}"#, options: ReaderOptions(maxLineBytes: 64))
        #expect(r.docs.map(ReaderTesting.texts) == [["a"], ["b"]])
        #expect(r.report.overlongLines == 1)
        #expect(r.report.malformedJSONLines == 0)
        #expect(r.report.problems == ["\(r.path):2: line longer than 64 bytes skipped"])
    }

    @Test func invalidUTF8InsideJSONIsSanitizedFirst() throws {
        let bytes = [0xEF, 0xBB, 0xBF] + Array(#"{"text": "bad "#.utf8) + [0xFF] + Array(#" byte"}"#.utf8) + [0x0A]
            + Array(#"{"text": "fine"}"#.utf8)
        let path = try TemporaryFolder.shared.file(named: "bad.jsonl", contents: bytes)
        let replaced = try ReaderTesting.readAll(JSONLinesReader(path: path, inputOrdinal: 0))
        #expect(replaced.docs.map(ReaderTesting.texts) == [["bad \u{FFFD} byte"], ["fine"]])
        #expect(replaced.report.bomsStripped == 1 && replaced.report.invalidUTF8Lines == 1)
        let dropped = try ReaderTesting.readAll(JSONLinesReader(path: path, inputOrdinal: 0, options: ReaderOptions(invalidUTF8: .dropLine)))
        #expect(dropped.docs.map(ReaderTesting.texts) == [["fine"]])
        #expect(dropped.docs.first?.documentOrdinal == 0)
    }

    /// Random strings written by Foundation's JSONSerialization come back byte for byte.
    @Test func agreesWithFoundationOnRandomStrings() throws {
        var rng = KeyedRandom(seed: 5, purpose: .testData, index: 0)
        let alphabet: [String] = ["a", "Z", " ", "\"", "\\", "/", "\t", "\u{1}", "\u{1F}", "\u{7F}", "é", "한", "😀", "\u{2028}", "{", "]", ":", ","]
        var lines: [String] = []
        var expected: [String] = []
        for k in 0..<300 {
            let text = (0..<(1 + rng.below(30))).map { _ in alphabet[rng.below(alphabet.count)] }.joined()
            let object: [String: Any] = ["n": k, "nested": ["x": [1, 2.5, "s"], "t": text], "text": "<" + text + ">", "id": "id-\(k)"]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            lines.append(String(decoding: data, as: UTF8.self))
            expected.append("<" + text + ">")
        }
        let r = try read(lines.joined(separator: "\n"), idField: "id")
        #expect(r.report.malformedJSONLines == 0, "\(r.report.problems)")
        #expect(r.docs.count == 300)
        #expect(r.docs.map { $0.segments.map { String(decoding: $0, as: UTF8.self) }.joined() } == expected)
        #expect(r.docs.map(\.externalID) == (0..<300).map { "id-\($0)" })
    }

    @Test func scannerAcceptsValidJSONAndRejectsInvalid() {
        func scan(_ s: String) -> Bool {
            let bytes = Array(s.utf8)
            return bytes.withUnsafeBytes { (try? JSONFieldScanner.scan($0, key: Array("k".utf8), secondKey: nil)) != nil }
        }
        for good in [#"{}"#, #" { } "#, #"{"k":0}"#, #"{"k":-0.0e-0}"#, #"{"k":[[],[{}],{"a":[null]}]}"#, #"{"k":"\u0000\ud83d"}"#,
                     #"{"a":true,"b":false,"c":null,"d":123456789012345678901234567890}"#, "{\"k\":\t\"v\"\r}"] {
            #expect(scan(good), "\(good)")
        }
        for bad in ["", " ", #"{"#, #"}"#, #"{"k"}"#, #"{"k":}"#, #"{k:1}"#, #"{"k":1,}"#, #"{"k":[1,]}"#, #"{"k":+1}"#, #"{"k":.5}"#,
                    #"{"k":1e}"#, #"{"k":-}"#, #"{"k":00}"#, #"{"k":nul}"#, #"{"k":"a\"}"#, #"{"k":"\u00"}"#, #"{"k":'a'}"#,
                    #"{"k":1}{"#, #""k""#, #"{"k":[1 2]}"#, "{\"k\":\"\n\"}"] {
            #expect(!scan(bad), "\(bad)")
        }
        let deep = "{\"k\":" + String(repeating: "[", count: JSONFieldScanner.maxDepth + 1) + String(repeating: "]", count: JSONFieldScanner.maxDepth + 1) + "}"
        let ok = "{\"k\":" + String(repeating: "[", count: JSONFieldScanner.maxDepth - 1) + String(repeating: "]", count: JSONFieldScanner.maxDepth - 1) + "}"
        #expect(!scan(deep))
        #expect(scan(ok))
    }
}
