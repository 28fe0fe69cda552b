import Foundation

/// An SVG line chart of the losses by step from a run's metrics.jsonl: the loss and the MLM
/// (or LM) loss; for ELECTRA, whose total is dominated by λ · RTD, the generator's MLM loss and
/// the discriminator's RTD loss.
public enum LossCurve {
    public static func write(metricsPath: String, to path: String) throws {
        guard let text = try? String(contentsOfFile: metricsPath, encoding: .utf8) else { throw TrainingError(message: "cannot read \(metricsPath)") }
        var points: [(Double, Double, Double)] = []
        var electra = false
        for line in text.split(separator: "\n") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let step = (o["step"] as? NSNumber)?.doubleValue, let loss = (o["loss"] as? NSNumber)?.doubleValue else { continue }
            let mlm = (o["mlm_loss"] as? NSNumber)?.doubleValue ?? loss
            if let rtd = (o["rtd_loss"] as? NSNumber)?.doubleValue {
                electra = true
                points.append((step, mlm, rtd))
            } else {
                points.append((step, loss, mlm))
            }
        }
        let labels = electra ? ("generator MLM loss", "discriminator RTD loss") : ("loss", "MLM loss")
        try svg(points, labels: labels).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The chart of (step, first, second) points: 640 × 360, axes labelled, two polylines
    /// named by `labels`.
    static func svg(_ points: [(Double, Double, Double)], labels: (String, String) = ("loss", "MLM loss")) -> String {
        let width = 640.0, height = 360.0, left = 60.0, right = 20.0, top = 20.0, bottom = 40.0
        let maxStep = max(1, points.map(\.0).max() ?? 1)
        let values = points.flatMap { [$0.1, $0.2] }
        let lo = max(0, (values.min() ?? 0) * 0.95), hi = max(lo + 1e-9, (values.max() ?? 1) * 1.02)
        func x(_ s: Double) -> Double { left + (width - left - right) * s / maxStep }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - (v - lo) / (hi - lo)) }
        func line(_ k: KeyPath<(Double, Double, Double), Double>) -> String {
            points.map { String(format: "%.1f,%.1f", x($0.0), y($0[keyPath: k])) }.joined(separator: " ")
        }
        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>

            """
        for k in 0...4 {
            let v = lo + (hi - lo) * Double(k) / 4
            out += String(format: "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>\n", left - 6, y(v) + 4, v)
            let s = maxStep * Double(k) / 4
            out += String(format: "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.0f</text>\n", x(s), height - bottom + 16, s)
        }
        out += "<text x=\"\(Int(width / 2))\" y=\"\(Int(height - 6))\" text-anchor=\"middle\">step</text>\n"
        out += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(line(\.1))\"/>\n"
        out += "<polyline fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"1\" points=\"\(line(\.2))\"/>\n"
        out += "<text x=\"\(Int(width - right - 170))\" y=\"\(Int(top + 14))\" fill=\"#1f77b4\">\(labels.0)</text>\n"
        out += "<text x=\"\(Int(width - right - 170))\" y=\"\(Int(top + 30))\" fill=\"#ff7f0e\">\(labels.1)</text>\n"
        return out + "</svg>\n"
    }
}
