import Testing
import PretextCore
import PretextText
import PretextTestSupport
@testable import PretextPipeline

/// Units from the inputs' sizes: every byte of a plain file in exactly one unit, in order; a
/// compressed input alone in a unit of its own; empty files in the unit their position falls in.
@Suite struct UnitPlanTests {
    static func file(_ name: String, bytes: Int) throws -> String {
        try TemporaryFolder.shared.file(named: name, contents: [UInt8](repeating: 0x61, count: bytes))
    }

    @Test func partsCoverEveryByteOnceAndCompressedInputsFillAUnit() throws {
        let a = try Self.file("plan-a.txt", bytes: 2500)
        let empty = try Self.file("plan-empty.txt", bytes: 0)
        let b = try Self.file("plan-b.txt", bytes: 700)
        let gz = try Self.file("plan-c.txt.gz", bytes: 5000)  // never opened: the plan reads sizes only
        let c = try Self.file("plan-d.txt", bytes: 1024)
        let inputs = try CorpusInputs.open(paths: [a, empty, b, gz, c], format: .bert)
        let plan = try UnitPlan(inputs: inputs, unitBytes: 1024)
        // a: units 0-2 (0..<2500), empty at 2500 (unit 2), b: 2500..<3200 (units 2-3),
        // gz: aligned to 4096, unit 4 alone, d: 5120..<6144 (unit 5).
        #expect(plan.unitCount == 6)
        var covered: [UInt32: [Range<UInt64>]] = [:]
        var whole: [Int] = []
        for u in 0..<plan.unitCount {
            for part in plan.parts(ofUnit: u) {
                if part.readWhole { whole.append(u) } else { covered[part.input.ordinal, default: []].append(part.bytes) }
            }
        }
        #expect(covered[0] == [0..<1024, 1024..<2048, 2048..<2500])
        #expect(covered[1] == [0..<0])
        #expect(covered[2] == [0..<572, 572..<700])
        #expect(whole == [4])
        #expect(covered[4] == [0..<1024])
        #expect(plan.parts(ofUnit: 2).map(\.input.ordinal) == [0, 1, 2])
        #expect(plan.parts(ofUnit: 4).map(\.input.ordinal) == [3])
        // The plan text names every input with its size: another size is another build.
        #expect(plan.text.contains("3 5000 whole \(gz)"))
    }
}
