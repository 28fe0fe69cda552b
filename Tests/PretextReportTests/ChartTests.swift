import Foundation
import Testing
@testable import PretextReport

@Suite struct ChartTests {
    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func barsDrawOneMarkPerBinWithTitleAxesAndMarker() {
        let svg = Chart.bars(id: "lengths", title: "Instance lengths", xLabel: "tokens", yLabel: "instances",
                             bins: [("1–16", 3), ("17–32", 0), ("33–48", 12)], marker: (1, "max 32"))
        #expect(svg.hasPrefix("<svg class=\"chart\" id=\"lengths\""))
        #expect(count("class=\"mark\"", in: svg) == 3)
        #expect(svg.contains(">Instance lengths</text>") && svg.contains(">tokens</text>") && svg.contains(">instances</text>"))
        #expect(svg.contains("max 32") && svg.contains("stroke-dasharray"))
        // The tallest bar fills the plot up to the rounded top tick (20 for 12: ticks 0, 5, …, 20).
        #expect(svg.contains(">20</text>"))
        #expect(svg.hasSuffix("</svg>\n"))
    }

    @Test func linesDrawAPolylinePerSeriesAndADotForOnePoint() {
        let svg = Chart.lines(id: "loss", title: "Loss", xLabel: "step", yLabel: "loss (nats)", series: [
            .init(name: "run a", points: [(1, 9), (2, 8), (3, .nan), (4, 7)]), .init(name: "run b", points: [(1, 5)]),
        ])
        #expect(count("<polyline class=\"mark\"", in: svg) == 1)
        #expect(count("<circle class=\"mark\"", in: svg) == 1)
        #expect(svg.contains(">run a</text>") && svg.contains(">run b</text>"))
        #expect(!svg.contains("nan"))
    }

    @Test func textIsEscaped() {
        #expect(HTML.escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
        let svg = Chart.bars(id: "x", title: "<script>", xLabel: "a&b", yLabel: "y", bins: [("<b>", 1)])
        #expect(!svg.contains("<script>") && svg.contains("&lt;script&gt;") && svg.contains("a&amp;b"))
    }

    @Test func numbersAndTicks() {
        #expect(Chart.number(1234567) == "1,234,567")
        #expect(Chart.number(-1000) == "-1,000")
        #expect(Chart.number(0.00125) == "0.00125")
        #expect(Chart.number(3.14159) == "3.14")
        #expect(Chart.niceCeiling(0) == 0)
        #expect(Chart.niceCeiling(12) == 20)
        #expect(Chart.niceCeiling(2397) == 2500)
        #expect(Chart.niceCeiling(0.7) == 1)
    }
}
