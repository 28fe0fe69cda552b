import Testing
@testable import PretextText

@Suite struct ReaderReportTests {
    @Test func mergingSumsCountersAndKeepsTheProblemListBounded() {
        var a = ReaderReport()
        a.documents = 2; a.segments = 5; a.bytes = 100; a.nulBytes = 1; a.malformedJSONLines = 3
        for k in 1...60 { a.addProblem(path: "a.txt", line: UInt64(k), "problem \(k)") }
        var b = ReaderReport()
        b.documents = 1; b.segments = 1; b.bytes = 7; b.emptyDocuments = 4; b.invalidUTF8Lines = 2; b.crlfLines = 9
        b.bomsStripped = 1; b.overlongLines = 1; b.splitDocuments = 2
        for k in 1...70 { b.addProblem(path: "b.txt", line: UInt64(k), "problem \(k)") }
        #expect(b.problems.count == 70 && b.problemsOmitted == 0)

        var total = ReaderReport()
        total += a
        total += b
        #expect(total.documents == 3 && total.segments == 6 && total.bytes == 107)
        #expect(total.emptyDocuments == 4 && total.invalidUTF8Lines == 2 && total.nulBytes == 1 && total.crlfLines == 9)
        #expect(total.bomsStripped == 1 && total.overlongLines == 1 && total.splitDocuments == 2 && total.malformedJSONLines == 3)
        #expect(total.problems.count == ReaderReport.maxProblems)
        #expect(total.problems.first == "a.txt:1: problem 1")
        #expect(total.problems.last == "b.txt:40: problem 40")
        #expect(total.problemsOmitted == 30)
    }

    @Test func problemsBeyondTheLimitAreOnlyCounted() {
        var r = ReaderReport()
        var built = 0
        func message() -> String { built += 1; return "x" }
        for k in 0..<250 { r.addProblem(path: "p", line: UInt64(k), message()) }
        #expect(r.problems.count == 100)
        #expect(r.problemsOmitted == 150)
        #expect(built == 100)  // messages past the limit are never built
    }
}
