#if canImport(Glibc)
import Glibc
#endif
import CBLAS

/// OpenBLAS, loaded with `dlopen` on first use (see `Sources/CBLAS/shim.h` for why it is not
/// linked): `cblas_sgemm` and the thread controls as C function pointers.
public final class OpenBLAS: @unchecked Sendable {
    typealias Sgemm = pretext_cblas_sgemm_fn
    typealias Dgemm = pretext_cblas_dgemm_fn
    typealias SetThreads = pretext_openblas_set_threads_fn
    typealias GetThreads = pretext_openblas_get_threads_fn

    let sgemm: Sgemm
    /// Double precision, for the finite-difference gradient checks of the kernels.
    let dgemm: Dgemm
    let setThreads: SetThreads
    let getThreads: GetThreads
    public let libraryPath: String

    /// Why OpenBLAS could not be loaded.
    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public var description: String { "OpenBLAS: \(message) (install libopenblas0 or libopenblas-dev)" }
    }

    /// Library names tried in order (Debian's runtime package, then the development link).
    static let candidates = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"]

    /// The process's OpenBLAS, loaded on first access. `OPENBLAS_NUM_THREADS`, when unset, is
    /// set to `defaultThreads` before loading so the pool starts at that size.
    public static func shared() throws -> OpenBLAS { try loadResult.get() }

    /// The loaded library for kernels, which run only after a model called `shared()` (a
    /// model cannot be built without it); a kernel reached without that is a programming error.
    static var loaded: OpenBLAS {
        guard case .success(let blas) = loadResult else { preconditionFailure("OpenBLAS used before OpenBLAS.shared() succeeded") }
        return blas
    }

    /// Threads the pool starts with when `OPENBLAS_NUM_THREADS` is unset (set before first use).
    nonisolated(unsafe) public static var defaultThreads = 0

    private static let loadResult: Result<OpenBLAS, LoadError> = Result {
        if defaultThreads > 0 && getenv("OPENBLAS_NUM_THREADS") == nil {
            setenv("OPENBLAS_NUM_THREADS", String(defaultThreads), 0)
        }
        var errors: [String] = []
        for name in candidates {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                errors.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            func symbol<T>(_ s: String, _: T.Type) throws -> T {
                guard let p = dlsym(handle, s) else { throw LoadError(message: "\(name) has no \(s)") }
                return unsafeBitCast(p, to: T.self)
            }
            return OpenBLAS(sgemm: try symbol("cblas_sgemm", Sgemm.self), dgemm: try symbol("cblas_dgemm", Dgemm.self), setThreads: try symbol("openblas_set_num_threads", SetThreads.self),
                            getThreads: try symbol("openblas_get_num_threads", GetThreads.self), libraryPath: name)
        }
        throw LoadError(message: "cannot load any of \(candidates.joined(separator: ", ")): \(errors.joined(separator: "; "))")
    }.mapError { $0 as? LoadError ?? LoadError(message: "\($0)") }

    private init(sgemm: Sgemm, dgemm: Dgemm, setThreads: SetThreads, getThreads: GetThreads, libraryPath: String) {
        self.sgemm = sgemm
        self.dgemm = dgemm
        self.setThreads = setThreads
        self.getThreads = getThreads
        self.libraryPath = libraryPath
    }
}
