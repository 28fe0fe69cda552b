import Synchronization
import Testing
@testable import PretextCore

@Suite struct OrderedPipelineTests {
    /// Work of very different cost per item, so workers finish out of order.
    static func work(_ k: Int) -> Int {
        var x = UInt64(k) &+ 1
        for _ in 0..<((k * 7919) % 13 * 2_000) { x = x &* 6364136223846793005 &+ 1442695040888963407 }
        // x is 0 for no k here (checked by the outputs), and the compiler cannot know it, so
        // the loop is not optimised away.
        return x == 0 ? -1 : k * 2
    }

    /// State the consumer touches: only its thread uses it while the pipeline runs.
    final class Seen: @unchecked Sendable {
        var values: [Int] = []
    }

    @Test(arguments: [1, 2, 4]) func outputsArriveInSubmissionOrderWithinTheWindow(threads: Int) throws {
        let window = threads + 2
        let inFlight = Mutex((now: 0, most: 0))
        let seen = Seen()
        let pipeline = OrderedPipeline<Int, Int>(threads: threads, window: window, transform: { worker, k in
            #expect(worker >= 0 && worker < threads)
            inFlight.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            return Self.work(k)
        }, consume: { v in
            inFlight.withLock { $0.now -= 1 }
            seen.values.append(v)
        })
        for k in 0..<500 { try pipeline.submit(k) }
        try pipeline.finish()
        #expect(seen.values == (0..<500).map { $0 * 2 })
        #expect(inFlight.withLock { $0.most } <= window)
    }

    struct Broken: Error, Equatable { let item: Int }

    /// Submits `items` and finishes; the first error thrown by either, if any.
    static func firstError(_ pipeline: OrderedPipeline<Int, Int>, items: Range<Int>) -> Error? {
        var thrown: Error?
        do {
            for k in items { try pipeline.submit(k) }
        } catch { thrown = error }
        do { try pipeline.finish() } catch { thrown = thrown ?? error }
        return thrown
    }

    @Test func theFirstTransformErrorStopsThePipelineAfterTheItemsBeforeIt() throws {
        let seen = Seen()
        let pipeline = OrderedPipeline<Int, Int>(threads: 3, window: 4, transform: { _, k in
            if k == 40 || k == 41 { throw Broken(item: k) }
            return Self.work(k)
        }, consume: { seen.values.append($0) })
        #expect(Self.firstError(pipeline, items: 0..<200) as? Broken == Broken(item: 40))
        #expect(seen.values == (0..<40).map { $0 * 2 })
    }

    @Test func aConsumerErrorIsThrownByFinish() throws {
        let pipeline = OrderedPipeline<Int, Int>(threads: 2, window: 3, transform: { _, k in k }, consume: { v in
            if v == 7 { throw Broken(item: v) }
        })
        #expect(Self.firstError(pipeline, items: 0..<10) as? Broken == Broken(item: 7))
    }

    @Test func anEmptyPipelineFinishes() throws {
        let pipeline = OrderedPipeline<Int, Int>(threads: 2, window: 2, transform: { _, k in k }, consume: { _ in })
        try pipeline.finish()
    }
}
