import Testing
@testable import PretextCore

@Suite struct TOMLDocumentTests {
    @Test func parsesTheSubsetPipelinesUse() throws {
        let doc = try TOMLDocument(parsing: """
            # comment
            title = "pretext"   # trailing comment
            [input]
            paths = ["a.txt", 'b\\\\c.txt',
                     "é\\u00e9\\n",]
            [task]
            max_seq_length = 1_024
            short_seq_prob = 0.1
            ratio = -2e-3
            hex = 0xFF
            dynamic = false
            [a.b]
            "quoted key" = true
            """)
        #expect(doc.values["title"] == .string("pretext"))
        #expect(doc.values["input.paths"] == .array([.string("a.txt"), .string("b\\\\c.txt"), .string("éé\n")]))
        #expect(doc.values["task.max_seq_length"] == .integer(1024))
        #expect(doc.values["task.short_seq_prob"] == .float(0.1))
        #expect(doc.values["task.ratio"] == .float(-0.002))
        #expect(doc.values["task.hex"] == .integer(255))
        #expect(doc.values["task.dynamic"] == .boolean(false))
        #expect(doc.values["a.b.quoted key"] == .boolean(true))
        #expect(doc.keys.first == "title")
    }

    @Test func refusesWhatItDoesNotSupportWithALineNumber() {
        for (text, line) in [("a = {x = 1}", 1), ("\n[[tables]]", 2), ("a.b = 1", 1), ("a = 1\na = 2", 2),
                             ("a = \"unterminated", 1), ("a = bare", 1), ("a = 1 b", 1), ("a = \"\"\"x\"\"\"", 1)] {
            do {
                _ = try TOMLDocument(parsing: text)
                Issue.record("accepted \(text.debugDescription)")
            } catch let error as TOMLDocument.ParseError {
                #expect(error.line == line, "\(text.debugDescription): \(error)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func commandLineValues() throws {
        #expect(try TOMLDocument.parseValue("256") == .integer(256))
        #expect(try TOMLDocument.parseValue("0.2") == .float(0.2))
        #expect(try TOMLDocument.parseValue("true") == .boolean(true))
        #expect(try TOMLDocument.parseValue("whole-word") == .string("whole-word"))
        #expect(try TOMLDocument.parseValue("\"x y\"") == .string("x y"))
        #expect(try TOMLDocument.parseValue("[\"a\", \"b\"]") == .array([.string("a"), .string("b")]))
    }
}
