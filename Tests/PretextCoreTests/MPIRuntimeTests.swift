import Glibc
import Testing
@testable import PretextCore

@Suite struct MPIRuntimeTests {
    @Test func launchersAreToldByTheirVariables() {
        #expect(!MPIRuntime.launchedByMPI(environment: [:]))
        #expect(!MPIRuntime.launchedByMPI(environment: ["PATH": "/usr/bin", "HOME": "/root"]))
        // Plain Slurm srun: tasks without MPI.
        #expect(!MPIRuntime.launchedByMPI(environment: ["SLURM_PROCID": "1", "SLURM_NTASKS": "4", "SLURM_JOB_ID": "7"]))
        // Open MPI's mpirun (4.x sets PMIX_RANK too).
        #expect(MPIRuntime.launchedByMPI(environment: ["OMPI_COMM_WORLD_SIZE": "3", "OMPI_COMM_WORLD_RANK": "2"]))
        #expect(MPIRuntime.launchedByMPI(environment: ["OMPI_COMM_WORLD_RANK": "0"]))
        // srun --mpi=pmix, Open MPI 5's prterun.
        #expect(MPIRuntime.launchedByMPI(environment: ["PMIX_RANK": "0", "SLURM_PROCID": "0"]))
        // MPICH's Hydra, srun --mpi=pmi2.
        #expect(MPIRuntime.launchedByMPI(environment: ["PMI_RANK": "1", "PMI_SIZE": "2"]))
        #expect(MPIRuntime.launchedByMPI(environment: ["PMI_SIZE": "2"]))
        #expect(!MPIRuntime.launchedByMPI(environment: ["PMI_RANK": "", "OMPI_COMM_WORLD_SIZE": ""]))
    }

    @Test func aMissingLibraryIsALoadErrorNamingThePath() {
        let error = #expect(throws: MPIRuntime.LoadError.self) {
            try MPIRuntime.load(libraryPaths: ["/nonexistent/libmpi.so"])
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("/nonexistent/libmpi.so"), "\(text)")
        #expect(text.contains("openmpi-bin libopenmpi3"), "\(text)")
    }

    /// Whether an MPI library is installed where the loader looks (or PRETEXT_MPI_LIBRARY is
    /// set), checked without loading it into the test process.
    static let mpiInstalled: Bool = {
        if let variable = getenv("PRETEXT_MPI_LIBRARY"), variable.pointee != 0 { return true }
        let folders = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"]
        return folders.contains { folder in MPIRuntime.candidates.contains { access("\(folder)/\($0)", F_OK) == 0 } }
    }()

    /// A singleton (a process not started by mpirun) is rank 0 of 1, and its collectives and
    /// finalize work. In a child process: MPI may be initialized once per process, and
    /// MPI_Init leaves Open MPI's signal handlers and memory hooks in place.
    @Test(.enabled(if: mpiInstalled, "no MPI library installed"))
    func aSingletonIsRankZeroOfOne() async {
        // Issues recorded in the child are reported by the parent.
        await #expect(processExitsWith: .success) {
            // Root needs both OMPI_ALLOW_* for mpirun (and Open MPI 5's singletons); isolated:
            // Open MPI 4 starts no orted for a singleton; ob1: skips the ~0.2 s UCX probe.
            for (name, value) in ["OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
                                  "OMPI_MCA_ess_singleton_isolated": "1", "OMPI_MCA_pml": "ob1"] {
                setenv(name, value, 0)
            }
            func fail(_ message: String) -> Never {
                Issue.record(Comment(rawValue: message))
                exit(1)
            }
            let mpi: MPIRuntime
            do { mpi = try MPIRuntime.load() } catch { fail("load: \(error)") }
            guard mpi.rank == 0, mpi.size == 1, mpi.initializedHere else { fail("rank \(mpi.rank) of \(mpi.size)") }
            guard !mpi.libraryVersion.isEmpty, mpi.libraryVersion != "unknown" else { fail("no library version") }
            do {
                try mpi.barrier()
                guard try mpi.allMinimum(-7) == -7, try mpi.allMaximum(Int64.max) == Int64.max,
                      try mpi.allMinimum(Int64.min) == Int64.min else { fail("allreduce") }
                // A second load joins the initialized MPI.
                let again = try MPIRuntime.load()
                guard !again.initializedHere, again.rank == 0, again.size == 1 else { fail("second load") }
                try mpi.finalize()
                guard mpi.isFinalized, again.isFinalized else { fail("not finalized") }
                try mpi.finalize()
                try again.finalize()
            } catch { fail("\(error)") }
            do {
                _ = try MPIRuntime.load()
                fail("load after finalize")
            } catch let error as MPIRuntime.LoadError {
                guard "\(error)".contains("already finalized") else { fail("\(error)") }
            } catch { fail("\(error)") }
            exit(0)
        }
    }
}
