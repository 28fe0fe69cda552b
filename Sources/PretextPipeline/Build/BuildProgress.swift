#if canImport(Glibc)
import Glibc
#endif
import PretextCore
import Synchronization

/// Progress of a build on standard error.
///
/// On a terminal: one live line, redrawn at most five times a second — stage, units done,
/// input MB/s, instances/s and an ETA from the share of input bytes (stage 1) or units
/// (stage 2) done. Not on a terminal (CI, logs): a plain line at most every 10 seconds, and
/// every `log` message on its own line. Thread-safe.
public final class BuildProgress: Sendable {
    private struct State {
        var started = 0.0
        var lastDraw = 0.0
        var liveLineShown = false
    }

    private let state = Mutex(State())
    private let interactive: Bool

    public init(interactive: Bool = isatty(2) == 1) {
        self.interactive = interactive
        let t = Self.now()
        state.withLock { $0.started = t; $0.lastDraw = t }
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }

    /// A message on its own line.
    public func log(_ message: String) {
        state.withLock { s in
            if interactive && s.liveLineShown { write("\r\u{1B}[K") }
            s.liveLineShown = false
            write(message + "\n")
        }
    }

    /// Reports progress: `done` of `total` (bytes in stage 1, units in stage 2).
    public func update(stage: Int, done: Double, total: Double, inputBytes: Double, instances: Double) {
        state.withLock { s in
            let t = Self.now()
            guard t - s.lastDraw >= (interactive ? 0.2 : 10) else { return }
            s.lastDraw = t
            let elapsed = max(t - s.started, 1e-3)
            let fraction = total > 0 ? min(1, done / total) : 0
            let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
            let line = "stage \(stage): \(Int(fraction * 100))% · \(Self.format(inputBytes / elapsed / 1e6)) MB/s · "
                + "\(Int(instances / elapsed)) instances/s · ETA \(Self.clock(eta))"
            if interactive {
                write("\r\u{1B}[K" + line)
                s.liveLineShown = true
            } else {
                write(line + "\n")
            }
        }
    }

    /// Ends the live line.
    public func finish() {
        state.withLock { s in
            if interactive && s.liveLineShown { write("\r\u{1B}[K") }
            s.liveLineShown = false
        }
    }

    static func format(_ v: Double) -> String { String((v * 10).rounded() / 10) }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let m = s / 60, r = s % 60
        return "\(m):\(r < 10 ? "0" : "")\(r)"
    }
}
