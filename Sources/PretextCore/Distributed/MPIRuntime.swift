#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CMPI

/// An MPI library, loaded with `dlopen` (see `Sources/CMPI/shim.h` for why it is not linked)
/// and initialized: this process's rank and the job's size in `MPI_COMM_WORLD`, a barrier and
/// the 64-bit minimum and maximum reductions ranks use to agree on whether every rank succeeded.
///
/// Open MPI (`libmpi.so.40`) and the MPICH ABI (MPICH's `libmpi.so.12` / Debian's
/// `libmpich.so.12`) are supported; which one was loaded is told by the library's exported
/// symbols (`ompi_mpi_comm_world` for Open MPI, `MPIR_Err_create_code` for MPICH).
///
/// Threads: `MPI_Init` gives `MPI_THREAD_SINGLE`, so call `load` and every method from one
/// thread (the same one throughout). The class is `Sendable` so a runtime can be kept in
/// shared state, not so it can be called from several threads at once.
///
/// Errors: after `MPI_Init`, `MPI_COMM_WORLD`'s error handler is set to `MPI_ERRORS_RETURN`,
/// so a failed call is a thrown `CallError` naming the call and the code instead of the
/// default abort of the whole job. `MPI_Init` itself still fails the MPI way (the library
/// prints why and exits). Collectives (`barrier`, `allMinimum`, `allMaximum`, `finalize`)
/// block until every rank calls them: every rank must make the same calls in the same order.
///
/// MPI may be initialized once per process: after `finalize()`, `load` throws. The library is
/// never closed (Open MPI cannot be unloaded), and nothing is finalized on `deinit` (finalizing
/// is collective, so it is the caller's explicit step).
public final class MPIRuntime: @unchecked Sendable {
    /// This process's rank in `MPI_COMM_WORLD`, `0..<size`.
    public let rank: Int
    /// The number of processes in `MPI_COMM_WORLD` (1 for a process not started by mpirun).
    public let size: Int
    /// `MPI_Get_library_version`'s text, trimmed (it may span lines, as MPICH's does), or
    /// "unknown" for a library older than MPI 3.0.
    public let libraryVersion: String
    /// The name or path `dlopen` loaded.
    public let libraryPath: String
    /// Which ABI the library has.
    public let abi: ABI
    /// Whether this `load` called `MPI_Init` (false when MPI was already initialized in the process).
    public let initializedHere: Bool

    /// The two MPI ABIs: handles as pointers to globals (Open MPI) or as ints (MPICH).
    public enum ABI: String, Sendable {
        case openMPI = "Open MPI"
        case mpich = "MPICH"
    }

    /// Why no MPI library could be loaded or initialized.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { "MPI: \(message)" }
    }

    /// A failed MPI call: which call, the MPI error code it returned and the library's text for it.
    public struct CallError: Error, CustomStringConvertible, Sendable {
        public let call: String
        public let code: Int32
        /// `MPI_Error_string` for `code`, or empty.
        public let message: String

        public init(call: String, code: Int32, message: String = "") {
            self.call = call
            self.code = code
            self.message = message
        }

        public var description: String {
            "\(call) failed: \(message.isEmpty ? "MPI error" : message) (MPI error code \(code))"
        }
    }

    /// Library names tried in order when `PRETEXT_MPI_LIBRARY` does not name one (it is tried
    /// first): Open MPI's runtime and development names, then MPICH's upstream and Debian names.
    public static let candidates = ["libmpi.so.40", "libmpi.so", "libmpi.so.12", "libmpich.so.12"]

    /// Variables a launcher sets in each process it starts: Open MPI's mpirun
    /// (`OMPI_COMM_WORLD_*`), PMIx (Open MPI 5, `srun --mpi=pmix`: `PMIX_RANK`) and PMI
    /// (MPICH's Hydra, `srun --mpi=pmi2`: `PMI_RANK`, `PMI_SIZE`).
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"]

    /// Whether `environment` is that of a process started by an MPI launcher (mpirun, mpiexec,
    /// srun with PMI or PMIx), so `load()` joins a job rather than starting a singleton.
    /// Slurm's own `SLURM_PROCID` does not count: plain `srun` starts processes without MPI.
    public static func launchedByMPI(environment: [String: String]) -> Bool {
        launcherVariables.contains { environment[$0].map { !$0.isEmpty } ?? false }
    }

    /// Loads MPI from the first of `libraryPaths` that `dlopen` opens (default:
    /// `PRETEXT_MPI_LIBRARY` when set, then `candidates`), calls `MPI_Init` unless MPI is
    /// already initialized, and reads the rank and size. Throws `LoadError` when no library
    /// loads, it lacks a function, its ABI is neither Open MPI's nor MPICH's, or MPI was
    /// already finalized in this process; `CallError` when an MPI call fails.
    public static func load(libraryPaths: [String]? = nil) throws -> MPIRuntime {
        var paths = candidates
        if let libraryPaths {
            paths = libraryPaths
        } else if let variable = getenv("PRETEXT_MPI_LIBRARY"), variable.pointee != 0 {
            paths.insert(String(cString: variable), at: 0)
        }
        var errors: [String] = []
        for path in paths {
            // RTLD_GLOBAL: Open MPI's plugins (mca_*.so) are dlopen'ed by libmpi and need its symbols.
            guard let handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL) else {
                errors.append(dlerror().map { String(cString: $0) } ?? "\(path): not loaded")
                continue
            }
            return try MPIRuntime(handle: handle, libraryPath: path)
        }
        throw LoadError(message: "cannot load an MPI library (tried \(paths.joined(separator: ", "))): "
            + "\(errors.joined(separator: "; ")). Install Open MPI (Debian: openmpi-bin libopenmpi3, "
            + "or libopenmpi-dev) or set PRETEXT_MPI_LIBRARY to the library's path")
    }

    /// Blocks until every rank has called it.
    public func barrier() throws(CallError) {
        precondition(!isFinalized, "MPIRuntime.barrier() after finalize()")
        try check("MPI_Barrier", calls.barrier())
    }

    /// The smallest `value` passed by any rank, returned on every rank (`MPI_Allreduce` with
    /// `MPI_MIN` over 64-bit integers). With 1 for success and 0 for failure, every rank
    /// learns whether all succeeded, so none waits in a barrier for a rank that stopped.
    public func allMinimum(_ value: Int64) throws(CallError) -> Int64 {
        try allReduce(value, .minimum)
    }

    /// The largest `value` passed by any rank, returned on every rank (`MPI_MAX`).
    public func allMaximum(_ value: Int64) throws(CallError) -> Int64 {
        try allReduce(value, .maximum)
    }

    /// Whether MPI is finalized in this process (by this runtime or anyone else).
    public var isFinalized: Bool {
        var flag: Int32 = 0
        return finalized(&flag) == PRETEXT_MPI_SUCCESS_CODE && flag != 0
    }

    /// Finalizes MPI (collective: every rank calls it); does nothing when already finalized.
    /// No MPI call may follow, in this runtime or any other in the process.
    public func finalize() throws(CallError) {
        if isFinalized { return }
        try check("MPI_Finalize", finalizeCall())
    }

    /// Ends every process of the job with `code` (`MPI_Abort` on `MPI_COMM_WORLD`), for a rank
    /// that cannot go on while others may be blocked in a collective. Exits this process
    /// with `code` if `MPI_Abort` returns, or when MPI is already finalized.
    public func abort(code: Int32) -> Never {
        if !isFinalized { _ = calls.abort(code) }
        exit(code)
    }

    // MARK: - Binding

    enum Reduction { case minimum, maximum }

    /// The calls that take handles, bound to the library's ABI and to `MPI_COMM_WORLD`.
    private struct Calls {
        let rank: (UnsafeMutablePointer<Int32>) -> Int32
        let size: (UnsafeMutablePointer<Int32>) -> Int32
        let barrier: () -> Int32
        let allReduceInt64: (UnsafeRawPointer, UnsafeMutableRawPointer, Reduction) -> Int32
        let abort: (Int32) -> Int32
        let setErrorsReturn: () -> Int32
    }

    private let calls: Calls
    private let finalized: pretext_mpi_flag_fn
    private let finalizeCall: pretext_mpi_finalize_fn
    private let errorString: pretext_mpi_error_string_fn?

    private init(handle: UnsafeMutableRawPointer, libraryPath path: String) throws {
        func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
            guard let p = dlsym(handle, name) else { throw LoadError(message: "\(path) has no \(name)") }
            return p
        }
        func function<T>(_ name: String, _: T.Type) throws -> T { unsafeBitCast(try symbol(name), to: T.self) }

        let initialized = try function("MPI_Initialized", pretext_mpi_flag_fn.self)
        let initialize = try function("MPI_Init", pretext_mpi_init_fn.self)
        let finalized = try function("MPI_Finalized", pretext_mpi_flag_fn.self)
        let finalize = try function("MPI_Finalize", pretext_mpi_finalize_fn.self)
        let errorString = dlsym(handle, "MPI_Error_string").map { unsafeBitCast($0, to: pretext_mpi_error_string_fn.self) }
        let abi: ABI, calls: Calls
        if dlsym(handle, "ompi_mpi_comm_world") != nil {
            (abi, calls) = (.openMPI, try Self.openMPICalls(symbol: symbol))
        } else if dlsym(handle, "MPIR_Err_create_code") != nil {
            (abi, calls) = (.mpich, try Self.mpichCalls(symbol: symbol))
        } else {
            throw LoadError(message: "\(path) is neither Open MPI (no ompi_mpi_comm_world) nor MPICH "
                + "(no MPIR_Err_create_code); only those two ABIs are supported")
        }
        let version = dlsym(handle, "MPI_Get_library_version").map { address in
            let getVersion = unsafeBitCast(address, to: pretext_mpi_string_fn.self)
            return Self.text { getVersion($0, $1) }
        }

        func check(_ call: String, _ code: Int32) throws {
            guard code == PRETEXT_MPI_SUCCESS_CODE else {
                throw CallError(call: call, code: code, message: Self.message(code, errorString))
            }
        }
        var flag: Int32 = 0
        try check("MPI_Finalized", finalized(&flag))
        if flag != 0 {
            throw LoadError(message: "MPI was already finalized in this process; MPI_Init may run only once per process")
        }
        try check("MPI_Initialized", initialized(&flag))
        let initializing = flag == 0
        if initializing { try check("MPI_Init", initialize(nil, nil)) }
        try check("MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN)", calls.setErrorsReturn())
        var rank: Int32 = 0, size: Int32 = 0
        try check("MPI_Comm_rank", calls.rank(&rank))
        try check("MPI_Comm_size", calls.size(&size))

        self.rank = Int(rank)
        self.size = Int(size)
        self.libraryVersion = version.flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
        self.libraryPath = path
        self.abi = abi
        self.initializedHere = initializing
        self.calls = calls
        self.finalized = finalized
        self.finalizeCall = finalize
        self.errorString = errorString
    }

    /// Open MPI: every handle is the address of an exported global.
    private static func openMPICalls(symbol: (String) throws -> UnsafeMutableRawPointer) throws -> Calls {
        func function<T>(_ name: String, _: T.Type) throws -> T { unsafeBitCast(try symbol(name), to: T.self) }
        let world = try symbol("ompi_mpi_comm_world")
        let longLong = try symbol("ompi_mpi_long_long_int")
        let minimum = try symbol("ompi_mpi_op_min"), maximum = try symbol("ompi_mpi_op_max")
        let errorsReturn = try symbol("ompi_mpi_errors_return")
        let rank = try function("MPI_Comm_rank", pretext_ompi_comm_int_fn.self)
        let size = try function("MPI_Comm_size", pretext_ompi_comm_int_fn.self)
        let barrier = try function("MPI_Barrier", pretext_ompi_barrier_fn.self)
        let allReduce = try function("MPI_Allreduce", pretext_ompi_allreduce_fn.self)
        let abort = try function("MPI_Abort", pretext_ompi_abort_fn.self)
        let setErrorHandler = try function("MPI_Comm_set_errhandler", pretext_ompi_set_errhandler_fn.self)
        return Calls(
            rank: { rank(world, $0) }, size: { size(world, $0) }, barrier: { barrier(world) },
            allReduceInt64: { allReduce($0, $1, 1, longLong, $2 == .minimum ? minimum : maximum, world) },
            abort: { abort(world, $0) }, setErrorsReturn: { setErrorHandler(world, errorsReturn) })
    }

    /// MPICH: handles are the fixed ints of its mpi.h.
    private static func mpichCalls(symbol: (String) throws -> UnsafeMutableRawPointer) throws -> Calls {
        func function<T>(_ name: String, _: T.Type) throws -> T { unsafeBitCast(try symbol(name), to: T.self) }
        let world = PRETEXT_MPICH_COMM_WORLD
        let rank = try function("MPI_Comm_rank", pretext_mpich_comm_int_fn.self)
        let size = try function("MPI_Comm_size", pretext_mpich_comm_int_fn.self)
        let barrier = try function("MPI_Barrier", pretext_mpich_barrier_fn.self)
        let allReduce = try function("MPI_Allreduce", pretext_mpich_allreduce_fn.self)
        let abort = try function("MPI_Abort", pretext_mpich_abort_fn.self)
        let setErrorHandler = try function("MPI_Comm_set_errhandler", pretext_mpich_set_errhandler_fn.self)
        return Calls(
            rank: { rank(world, $0) }, size: { size(world, $0) }, barrier: { barrier(world) },
            allReduceInt64: {
                allReduce($0, $1, 1, PRETEXT_MPICH_LONG_LONG_INT, $2 == .minimum ? PRETEXT_MPICH_MIN : PRETEXT_MPICH_MAX, world)
            },
            abort: { abort(world, $0) }, setErrorsReturn: { setErrorHandler(world, PRETEXT_MPICH_ERRORS_RETURN) })
    }

    // MARK: - Calls

    private func allReduce(_ value: Int64, _ reduction: Reduction) throws(CallError) -> Int64 {
        precondition(!isFinalized, "MPIRuntime.all\(reduction == .minimum ? "Minimum" : "Maximum")() after finalize()")
        var result: Int64 = 0
        let code = withUnsafePointer(to: value) { send in
            withUnsafeMutablePointer(to: &result) { calls.allReduceInt64(send, $0, reduction) }
        }
        try check(reduction == .minimum ? "MPI_Allreduce(MPI_MIN)" : "MPI_Allreduce(MPI_MAX)", code)
        return result
    }

    private func check(_ call: String, _ code: Int32) throws(CallError) {
        guard code == PRETEXT_MPI_SUCCESS_CODE else {
            throw CallError(call: call, code: code, message: Self.message(code, errorString))
        }
    }

    /// `MPI_Error_string` for `code`, or empty when the library has none or it fails.
    private static func message(_ code: Int32, _ errorString: pretext_mpi_error_string_fn?) -> String {
        guard let errorString else { return "" }
        return text { errorString(code, $0, $1) }
    }

    /// The text an MPI call writes into a buffer of `PRETEXT_MPI_MAX_STRING` bytes, trimmed;
    /// empty when the call fails.
    private static func text(_ call: (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PRETEXT_MPI_MAX_STRING) + 1)
        var length: Int32 = 0
        guard buffer.withUnsafeMutableBufferPointer({ call($0.baseAddress!, &length) }) == PRETEXT_MPI_SUCCESS_CODE else {
            return ""
        }
        let end = buffer.firstIndex(of: 0) ?? min(max(Int(length), 0), buffer.count)
        var text = String(decoding: buffer[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}

/// `MPI_SUCCESS` (0 in every MPI), as the `Int32` the calls return.
private let PRETEXT_MPI_SUCCESS_CODE = Int32(PRETEXT_MPI_SUCCESS)
