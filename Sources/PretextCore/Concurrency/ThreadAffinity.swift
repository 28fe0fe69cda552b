import CThreadAffinity

/// Pins threads to CPUs, within the CPUs the process may use.
///
/// The build's workers each stay on one CPU: a worker that the scheduler moves to the other
/// core leaves its tokenizer cache and tries behind in the first core's L2 and refetches them.
/// Measured on the 2-core machine of docs/LABELING.md: two threads on 50 MB used 5–9% less
/// CPU pinned (no difference in a later run on 100 MB). Only the CPUs in the process's
/// affinity mask are used (`taskset`, cgroups), round robin, so `taskset -c 0 pretext build …`
/// keeps every thread on CPU 0. Pinning is a hint: a failure leaves the thread where it was.
public enum ThreadAffinity {
    /// The CPUs the calling thread may run on, lowest first; empty if the system does not say.
    public static func allowedCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let n = pretext_allowed_cpus(&cpus, Int32(cpus.count))
        return n > 0 ? cpus[0..<Int(n)].map(Int.init) : []
    }

    /// Pins the calling thread to `cpus[index % cpus.count]`; returns whether it was pinned.
    @discardableResult
    public static func pinCurrentThread(index: Int, among cpus: [Int]) -> Bool {
        guard !cpus.isEmpty else { return false }
        return pretext_pin_current_thread(Int32(cpus[index % cpus.count])) == 0
    }
}
