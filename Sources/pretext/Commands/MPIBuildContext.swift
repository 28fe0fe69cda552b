import ArgumentParser
import PretextCore

/// `pretext build` under `mpirun`: the MPI library (loaded with `dlopen`, never linked) gives
/// this process its rank and the job's size, and is the barrier between phases.
final class MPIBuildContext {
    let runtime: MPIRuntime
    var rank: Int { runtime.rank }
    var size: Int { runtime.size }

    private init(runtime: MPIRuntime) { self.runtime = runtime }

    /// The context when the process was started by an MPI launcher; nil otherwise. A clear
    /// error when it was, but libmpi cannot be loaded.
    static func startIfLaunched(environment: [String: String]) throws -> MPIBuildContext? {
        guard MPIRuntime.launchedByMPI(environment: environment) else { return nil }
        do {
            return MPIBuildContext(runtime: try MPIRuntime.load())
        } catch {
            throw ValidationError("this process was started by an MPI launcher, but MPI cannot be used: \(error)")
        }
    }

    /// Every rank calls this after a phase: true when every rank's phase succeeded.
    func everyoneSucceeded(_ ok: Bool) throws -> Bool {
        try runtime.allMinimum(ok ? 1 : 0) == 1
    }

    func finish() { try? runtime.finalize() }
}
