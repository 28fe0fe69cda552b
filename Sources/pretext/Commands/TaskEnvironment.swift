/// Where `--task` and `--tasks` come from when the flags are not given: the job's
/// environment, as Slurm sets it.
///
/// - In an `sbatch --array` element: `SLURM_ARRAY_TASK_ID` (made 0-based with
///   `SLURM_ARRAY_TASK_MIN`) of `SLURM_ARRAY_TASK_COUNT` (or `MAX − MIN + 1`).
/// - Under `srun -n N`: `SLURM_PROCID` of `SLURM_NTASKS`.
/// - Otherwise one task: 0 of 1.
/// (Under `mpirun`, `build` takes rank and size from the MPI library instead.)
struct TaskEnvironment: Equatable {
    let task: Int
    let tasks: Int
    /// Where the values came from, for messages.
    let source: String

    init(task: Int, tasks: Int, source: String) {
        self.task = task
        self.tasks = tasks
        self.source = source
    }

    init(environment: [String: String]) {
        func int(_ name: String) -> Int? { environment[name].flatMap { Int($0) } }
        if let id = int("SLURM_ARRAY_TASK_ID") {
            let min = int("SLURM_ARRAY_TASK_MIN") ?? 0
            let count = int("SLURM_ARRAY_TASK_COUNT") ?? int("SLURM_ARRAY_TASK_MAX").map { $0 - min + 1 } ?? 1
            self.init(task: id - min, tasks: count, source: "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT")
        } else if let procid = int("SLURM_PROCID"), let ntasks = int("SLURM_NTASKS"), ntasks > 1 {
            self.init(task: procid, tasks: ntasks, source: "SLURM_PROCID/SLURM_NTASKS")
        } else {
            self.init(task: 0, tasks: 1, source: "default")
        }
    }
}
