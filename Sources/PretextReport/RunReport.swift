import Foundation

/// The per-step figures of one training run (`runs/NAME/metrics.jsonl`, one JSON object per
/// step as `pretext train` writes it): each key's (step, value) points, in step order, at most
/// `maxPoints` a key — a longer run's points are averaged over buckets of consecutive steps,
/// so the page's size and drawing time do not grow with the run's length.
public struct RunReport: Sendable {
    public var name: String
    public var folder: String
    /// Keys of metrics.jsonl charted by the page; values are (step, value), null values left out.
    /// The `rtd_*` keys are ELECTRA's discriminator (absent from other runs' lines).
    public static let keys = ["loss", "mlm_loss", "pair_loss", "mlm_accuracy", "pair_accuracy", "lr", "tokens_per_s", "grad_norm",
                              "rtd_loss", "rtd_accuracy", "rtd_baseline_accuracy"]
    public var series: [String: [(Double, Double)]] = [:]
    /// Steps in metrics.jsonl (before any averaging).
    public private(set) var steps = 0
    /// The most points a series keeps.
    public static let maxPoints = 500

    public init(folder: String) throws {
        self.folder = folder
        name = URL(fileURLWithPath: folder).lastPathComponent
        let path = folder + "/metrics.jsonl"
        guard let data = FileManager.default.contents(atPath: path) else { throw ReportError("\(path): no metrics (is \(folder) a `pretext train --run` folder?)") }
        var line = 0
        for text in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            line += 1
            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                  let step = (object["step"] as? NSNumber)?.doubleValue else {
                throw ReportError("\(path):\(line): not a metrics line (a JSON object with a step)")
            }
            for key in Self.keys {
                if let value = (object[key] as? NSNumber)?.doubleValue, value.isFinite { series[key, default: []].append((step, value)) }
            }
        }
        steps = series["loss"]?.count ?? 0
        guard steps > 0 else { throw ReportError("\(path): holds no step") }
        series = series.mapValues { Self.bucketMeans($0, points: Self.maxPoints) }
    }

    /// `points` buckets of consecutive points (sizes differing by at most one), each replaced
    /// by its mean step and mean value; a series of at most `points` points as it is.
    static func bucketMeans(_ series: [(Double, Double)], points: Int) -> [(Double, Double)] {
        guard series.count > points else { return series }
        return (0..<points).map { k in
            let range = (k * series.count / points)..<((k + 1) * series.count / points)
            let n = Double(range.count)
            return (series[range].reduce(0) { $0 + $1.0 } / n, series[range].reduce(0) { $0 + $1.1 } / n)
        }
    }
}
