#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PretextCore
import PretextText

/// How a build cuts its inputs into units, from the inputs' sizes alone — no byte of text is
/// read to make the plan, so every task of a distributed build computes the same plan in
/// microseconds and then reads only its own units.
///
/// The inputs are laid end to end in input order; unit `u` owns the bytes
/// `u·unitBytes ..< (u+1)·unitBytes` of that layout. A plain file is split across units:
/// a unit reads each document whose first byte lies in its range (from the first
/// `DocumentBoundaries` boundary at or after the range's start to the first one at or after
/// its end, so a document that crosses the end is read whole by the unit it starts in). An
/// input that cannot be read from the middle — compressed (`.gz`, `.zst`), standard input, a
/// pipe — starts a new unit and fills it alone, read whole. An empty file belongs to the unit
/// its position falls in. Units therefore depend on the inputs and `unitBytes` only: never on
/// threads or tasks.
public struct UnitPlan: Sendable, Equatable {
    /// One input's share of a unit.
    public struct Part: Sendable, Equatable {
        public let input: CorpusInput
        /// The input's bytes in the unit's range (for a whole-read input: the whole file, its
        /// size from `stat`, 0 for standard input and pipes). Their XXH64s, in unit order, make
        /// the input's fingerprint.
        public let bytes: Range<UInt64>
        /// Read whole with a (decompressing) stream, not by range.
        public let readWhole: Bool
        /// The input's size when planned (`stat`).
        public let inputSize: UInt64
    }

    public let unitBytes: UInt64
    public let inputs: [CorpusInput]
    /// Per input: its size in bytes (`stat`; 0 for standard input and pipes).
    public let sizes: [UInt64]
    /// Per input: whether it is split by byte ranges.
    public let splittable: [Bool]
    /// Per input: where it starts in the layout.
    let starts: [UInt64]
    public let unitCount: Int

    public init(inputs: CorpusInputs, unitBytes: Int) throws {
        precondition(unitBytes > 0)
        let b = UInt64(unitBytes)
        self.unitBytes = b
        self.inputs = inputs.inputs
        var sizes: [UInt64] = [], splittable: [Bool] = [], starts: [UInt64] = []
        var at: UInt64 = 0
        for input in inputs.inputs {
            var st = stat()
            let regular: Bool
            if input.path == "-" {
                regular = false
                sizes.append(0)
            } else {
                guard stat(input.path, &st) == 0 else { throw SystemCallError(call: "stat", path: input.path, errno: errno) }
                regular = (st.st_mode & S_IFMT) == S_IFREG
                sizes.append(regular ? UInt64(st.st_size) : 0)
            }
            let split = regular && input.compression == .none
            splittable.append(split)
            if split {
                starts.append(at)
                at += sizes.last!
            } else {
                at = (at + b - 1) / b * b  // a new unit, filled alone
                starts.append(at)
                at += b
            }
        }
        self.sizes = sizes
        self.splittable = splittable
        self.starts = starts
        unitCount = max(1, Int((at + b - 1) / b))
    }

    /// The unit holding layout position `p` (the last unit for the very end).
    func unit(at p: UInt64) -> Int { min(Int(p / unitBytes), unitCount - 1) }

    /// The parts of unit `u`, in input order.
    public func parts(ofUnit u: Int) -> [Part] {
        precondition(u >= 0 && u < unitCount, "unit \(u) of \(unitCount)")
        let lo = UInt64(u) * unitBytes, hi = lo + unitBytes
        // The first input that may reach into the range: its end (at least one past its
        // start, so an empty file at `lo` counts) lies past `lo`. Ends never decrease.
        func end(_ i: Int) -> UInt64 { starts[i] + max(splittable[i] ? sizes[i] : unitBytes, 1) }
        var first = 0, last = inputs.count
        while first < last {
            let mid = (first + last) / 2
            if end(mid) <= lo { first = mid + 1 } else { last = mid }
        }
        var parts: [Part] = []
        var i = first
        while i < inputs.count && (starts[i] < hi || u == unitCount - 1) {
            let start = starts[i], size = sizes[i]
            if !splittable[i] {
                if unit(at: start) == u { parts.append(Part(input: inputs[i], bytes: 0..<size, readWhole: true, inputSize: size)) }
            } else if size == 0 {
                if unit(at: start) == u { parts.append(Part(input: inputs[i], bytes: 0..<0, readWhole: false, inputSize: 0)) }
            } else {
                let from = max(lo, start), to = min(hi, start + size)
                if from < to { parts.append(Part(input: inputs[i], bytes: (from - start)..<(to - start), readWhole: false, inputSize: size)) }
            }
            i += 1
        }
        return parts
    }

    /// The plan in text, one line per input (`ordinal size split|whole path`), whose XXH64 the
    /// catalog's configuration records: a changed input size is another build.
    public var text: String {
        var out = "unit_bytes \(unitBytes)\n"
        for (k, input) in inputs.enumerated() {
            out += "\(input.ordinal) \(sizes[k]) \(splittable[k] ? "split" : "whole") \(input.path)\n"
        }
        return out
    }
}
