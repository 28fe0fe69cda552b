import Glibc
import Synchronization
import Testing
@testable import PretextCore

@Suite struct ThreadAffinityTests {
    /// A pinned thread may then run on its one CPU only, and pinning stays within the CPUs
    /// the process may use (round robin past the last).
    @Test func aPinnedThreadRunsOnItsCPUOnly() throws {
        let allowed = ThreadAffinity.allowedCPUs()
        #expect(!allowed.isEmpty)
        #expect(allowed == allowed.sorted() && Set(allowed).count == allowed.count)
        let seen = Mutex<[Int: (pinned: Bool, cpus: [Int])]>([:])
        // On threads of their own, so the test runner's thread is left as it was.
        for index in [0, 1, allowed.count + 1] {
            let thread = try #require(PosixThread.start {
                let pinned = ThreadAffinity.pinCurrentThread(index: index, among: allowed)
                let now = ThreadAffinity.allowedCPUs()
                seen.withLock { $0[index] = (pinned, now) }
            })
            pthread_join(thread, nil)
        }
        for (index, result) in seen.withLock({ $0 }) {
            #expect(result.pinned)
            #expect(result.cpus == [allowed[index % allowed.count]], "thread \(index)")
        }
        #expect(ThreadAffinity.allowedCPUs() == allowed)
        #expect(!ThreadAffinity.pinCurrentThread(index: 0, among: []))
    }
}
