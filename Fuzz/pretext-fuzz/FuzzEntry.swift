#if canImport(Glibc)
import Glibc
#endif
import CLibFuzzer
import PretextCore

/// The fuzzer's entry point. SwiftPM links `main` to `pretext_fuzz_main`; this hands argv to
/// libFuzzer's driver (`LLVMFuzzerRunDriver`: the same flags and corpus handling as a
/// libFuzzer `main`). The target is chosen by `PRETEXT_FUZZ_TARGET` (one of
/// `FuzzTargets.all`); every input goes to it. A target may throw (a clear error is the right
/// answer to hostile bytes); it must not crash, hang or allocate beyond what the input's size
/// justifies — AddressSanitizer and libFuzzer's `-rss_limit_mb` / `-malloc_limit_mb` report those.
nonisolated(unsafe) var selectedTarget: FuzzTarget?

@_cdecl("pretext_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guard let name = getenv("PRETEXT_FUZZ_TARGET").map({ String(cString: $0) }), let target = FuzzTargets.all[name] else {
        let names = FuzzTargets.all.keys.sorted().joined(separator: " ")
        let message = Array("pretext-fuzz: set PRETEXT_FUZZ_TARGET to one of: \(names)\n".utf8)
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        return 2
    }
    selectedTarget = target
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in fuzzerTestOneInput(data, size) }
}

/// One input (libFuzzer's driver refers to this symbol as well as taking the callback).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = try? selectedTarget!.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
