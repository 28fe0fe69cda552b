import Foundation

/// Inline SVG charts of a report page: every chart has a title, axes with ticks and labels
/// (with units), and its data drawn as elements of class `mark` (bars, lines, dots), which
/// is what the browser test counts. Sizes in CSS pixels; the SVG scales with the page.
public enum Chart {
    /// One line of a line chart: `points` are (x, y), x ascending.
    public struct Series: Sendable {
        public var name: String
        public var points: [(Double, Double)]
        public init(name: String, points: [(Double, Double)]) {
            self.name = name
            self.points = points
        }
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
    static let width = 560.0, height = 300.0
    static let left = 64.0, right = 16.0, top = 34.0, bottom = 52.0

    /// A bar chart: one bar per bin (`label` under it when there is room), `marker` draws a
    /// dashed vertical line after bin `index` with its label (for example the maximum length).
    public static func bars(id: String, title: String, xLabel: String, yLabel: String,
                            bins: [(label: String, value: Double)], marker: (index: Int, label: String)? = nil) -> String {
        let high = niceCeiling(bins.map(\.value).max() ?? 0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let slot = plotWidth / Double(max(1, bins.count))
        var out = frame(id: id, title: title, xLabel: xLabel, yLabel: yLabel)
        out += yTicks(low: 0, high: high)
        let every = max(1, Int((Double(bins.count) * 46 / plotWidth).rounded(.up)))
        for (i, bin) in bins.enumerated() {
            let h = high > 0 ? plotHeight * bin.value / high : 0
            let x = left + slot * Double(i)
            out += "<rect class=\"mark\" x=\"\(f(x + slot * 0.1))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(slot * 0.8))\" height=\"\(f(h))\" fill=\"\(palette[0])\"><title>\(HTML.escape(bin.label)): \(number(bin.value))</title></rect>\n"
            if i % every == 0 {
                out += "<text x=\"\(f(x + slot / 2))\" y=\"\(f(top + plotHeight + 14))\" text-anchor=\"middle\" class=\"tick\">\(HTML.escape(bin.label))</text>\n"
            }
        }
        if let marker {
            let x = left + slot * Double(marker.index + 1)
            out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotHeight))\" stroke=\"#d62728\" stroke-dasharray=\"4 3\"/>\n"
            out += "<text x=\"\(f(x - 4))\" y=\"\(f(top + 12))\" text-anchor=\"end\" fill=\"#d62728\" class=\"tick\">\(HTML.escape(marker.label))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// A line chart of one or more series over a shared x axis, with a legend.
    public static func lines(id: String, title: String, xLabel: String, yLabel: String, series: [Series], yFromZero: Bool = false) -> String {
        let xs = series.flatMap { $0.points.map(\.0) }, ys = series.flatMap { $0.points.map(\.1) }.filter(\.isFinite)
        let xLow = xs.min() ?? 0, xHigh = max(xLow + 1, xs.max() ?? 1)
        var yLow = yFromZero ? 0 : (ys.min() ?? 0), yHigh = ys.max() ?? 1
        if yHigh - yLow < 1e-12 { yLow -= 0.5; yHigh += 0.5 }
        let pad = (yHigh - yLow) * 0.05
        yLow = yFromZero ? 0 : yLow - pad
        yHigh += pad
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func x(_ v: Double) -> Double { left + plotWidth * (v - xLow) / (xHigh - xLow) }
        func y(_ v: Double) -> Double { top + plotHeight * (1 - (v - yLow) / (yHigh - yLow)) }
        var out = frame(id: id, title: title, xLabel: xLabel, yLabel: yLabel)
        out += yTicks(low: yLow, high: yHigh)
        for k in 0...4 {
            let v = xLow + (xHigh - xLow) * Double(k) / 4
            out += "<text x=\"\(f(x(v)))\" y=\"\(f(top + plotHeight + 14))\" text-anchor=\"middle\" class=\"tick\">\(number(v))</text>\n"
        }
        for (i, s) in series.enumerated() {
            let color = palette[i % palette.count]
            let finite = s.points.filter { $0.1.isFinite }
            if finite.count == 1 {
                out += "<circle class=\"mark\" cx=\"\(f(x(finite[0].0)))\" cy=\"\(f(y(finite[0].1)))\" r=\"3\" fill=\"\(color)\"/>\n"
            } else if !finite.isEmpty {
                let path = finite.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
                out += "<polyline class=\"mark\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\" points=\"\(path)\"><title>\(HTML.escape(s.name))</title></polyline>\n"
            }
            out += "<rect x=\"\(f(left + 10))\" y=\"\(f(top + 6 + 15 * Double(i)))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>"
            out += "<text x=\"\(f(left + 24))\" y=\"\(f(top + 15 + 15 * Double(i)))\" class=\"legend\">\(HTML.escape(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// The SVG element, title, axes and axis labels.
    static func frame(id: String, title: String, xLabel: String, yLabel: String) -> String {
        let plotBottom = height - bottom
        return """
            <svg class="chart" id="\(HTML.escape(id))" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" aria-label="\(HTML.escape(title))" xmlns="http://www.w3.org/2000/svg">
            <text x="\(f(width / 2))" y="18" text-anchor="middle" class="chart-title">\(HTML.escape(title))</text>
            <line x1="\(f(left))" y1="\(f(plotBottom))" x2="\(f(width - right))" y2="\(f(plotBottom))" stroke="#333"/>
            <line x1="\(f(left))" y1="\(f(top))" x2="\(f(left))" y2="\(f(plotBottom))" stroke="#333"/>
            <text x="\(f(left + (width - left - right) / 2))" y="\(f(height - 12))" text-anchor="middle" class="axis">\(HTML.escape(xLabel))</text>
            <text transform="translate(14 \(f(top + (plotBottom - top) / 2))) rotate(-90)" text-anchor="middle" class="axis">\(HTML.escape(yLabel))</text>

            """
    }

    static func yTicks(low: Double, high: Double) -> String {
        let plotHeight = height - top - bottom
        var out = ""
        for k in 0...4 {
            let v = low + (high - low) * Double(k) / 4
            let y = top + plotHeight * (1 - Double(k) / 4)
            out += "<line x1=\"\(f(left - 4))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\" stroke=\"#e4e4e4\"/>"
            out += "<text x=\"\(f(left - 7))\" y=\"\(f(y + 4))\" text-anchor=\"end\" class=\"tick\">\(number(v))</text>\n"
        }
        return out
    }

    /// The smallest of 1, 2, 2.5, 5 × 10^k at or above `v` (0 for 0).
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0 else { return 0 }
        let magnitude = pow(10, (log10(v)).rounded(.down))
        for step in [1.0, 2, 2.5, 5, 10] where step * magnitude >= v { return step * magnitude }
        return 10 * magnitude
    }

    /// A tick or value label: thousands grouped, at most 3 significant decimals.
    public static func number(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 {
            let n = Int64(v)
            let digits = String(abs(n))
            var grouped = ""
            for (i, c) in digits.enumerated() {
                if i > 0 && (digits.count - i) % 3 == 0 { grouped += "," }
                grouped.append(c)
            }
            return (n < 0 ? "-" : "") + grouped
        }
        if abs(v) >= 100 { return String(format: "%.0f", v) }
        if abs(v) >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.3g", v)
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
}

/// HTML text escaping.
public enum HTML {
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
