// swift-tools-version:6.0
import PackageDescription

/// Link flags of a release `pretext` with the Swift runtime and Foundation linked statically.
let staticRuntime = [
    "-static-stdlib",
    "-Xlinker", "--start-group",
    "-lFoundation", "-lFoundationInternationalization", "-lCoreFoundation", "-l_FoundationICU",
    "-lFoundationEssentials", "-l_FoundationCShims", "-l_FoundationCollections",
    "-Xlinker", "--end-group",
    "-lstdc++",
]

let package = Package(
    name: "Pretext",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pretext", targets: ["pretext"]),
        .library(name: "PretextCore", targets: ["PretextCore"]),
        .library(name: "PretextText", targets: ["PretextText"]),
        .library(name: "PretextLabeling", targets: ["PretextLabeling"]),
        .library(name: "PretextShards", targets: ["PretextShards"]),
        .library(name: "PretextPipeline", targets: ["PretextPipeline"]),
        .library(name: "PretextTrainer", targets: ["PretextTrainer"]),
        .library(name: "PretextLoader", targets: ["PretextLoader"]),
        .library(name: "PretextReport", targets: ["PretextReport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // System libraries: a [system] module map and a shim header each.
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"]), .brew(["lz4"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),
        // OpenBLAS is loaded with dlopen on first use (see Sources/CBLAS/shim.h), not linked.
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CThreadAffinity"),
        .systemLibrary(
            name: "CBLAS",
            providers: [.apt(["libopenblas-dev"]), .brew(["openblas"])]
        ),
        .systemLibrary(name: "CMPI"),

        .target(name: "PretextCore", dependencies: ["CThreadAffinity", "CMPI"]),
        .target(name: "PretextText", dependencies: ["PretextCore", "CZlib", "CZstd"]),
        .target(name: "PretextLabeling", dependencies: ["PretextCore"]),
        .target(
            name: "PretextShards",
            dependencies: [
                "PretextCore", "CLZ4",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(name: "PretextLoader", dependencies: ["PretextCore", "PretextLabeling", "PretextShards"]),
        .target(name: "PretextTrainer", dependencies: ["PretextCore", "PretextLabeling", "PretextShards", "PretextLoader", "CBLAS"]),
        .target(
            name: "PretextPipeline",
            dependencies: ["PretextCore", "PretextText", "PretextLabeling", "PretextShards"]
        ),
        .target(name: "PretextReport", dependencies: ["PretextCore", "PretextLabeling", "PretextShards", "PretextLoader", "PretextPipeline"]),
        .executableTarget(
            name: "pretext",
            dependencies: [
                "CMalloc", "PretextCore", "PretextText", "PretextLabeling", "PretextShards", "PretextPipeline", "PretextTrainer", "PretextLoader",
                "PretextReport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // A release binary carries the Swift runtime and Foundation inside it: a process starts
            // in half the time (6 ms instead of 14: no relocation of a dozen shared libraries),
            // which a build split over many short tasks pays once per task (docs/SCALE.md), and
            // the build's hot loops call the runtime directly rather than through the PLT.
            // `-static-stdlib` at link time adds only the core runtime's libraries; Foundation's
            // static archives and what they need (CoreFoundation, ICU) are named here.
            linkerSettings: [.unsafeFlags(staticRuntime, .when(configuration: .release))]
        ),
        .executableTarget(
            name: "pretext-bench",
            dependencies: ["PretextCore", "PretextText", "PretextShards", "PretextLoader", "PretextTrainer", "CLZ4"]
        ),

        .target(name: "PretextTestSupport", path: "Tests/PretextTestSupport"),
        .testTarget(name: "PretextCoreTests", dependencies: ["PretextCore", "PretextTestSupport"]),
        .testTarget(
            name: "PretextTextTests",
            dependencies: ["PretextText", "PretextCore", "PretextTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "PretextLabelingTests", dependencies: ["PretextLabeling", "PretextCore"]),
        .testTarget(
            name: "PretextLoaderTests",
            dependencies: ["PretextLoader", "PretextPipeline", "PretextLabeling", "PretextShards", "PretextCore", "PretextTestSupport"]
        ),
        .testTarget(
            name: "PretextShardsTests",
            dependencies: ["PretextShards", "PretextCore", "PretextTestSupport", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "PretextPipelineTests",
            dependencies: ["PretextPipeline", "PretextShards", "PretextCore", "PretextTestSupport"]
        ),
        .testTarget(
            name: "PretextTrainerTests",
            dependencies: ["PretextTrainer", "PretextCore", "PretextLoader", "PretextPipeline", "PretextTestSupport"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "PretextReportTests",
            dependencies: ["PretextReport", "PretextPipeline", "PretextShards", "PretextCore", "PretextTestSupport"]
        ),
        .testTarget(name: "PretextCLITests", dependencies: ["PretextShards", "PretextCore", "PretextTestSupport"]),
    ]
)

// Fuzz targets (docs/RELIABILITY.md): built only when PRETEXT_FUZZ is set, by
// benchmarks/fuzz.sh, with `-sanitize=fuzzer,address -parse-as-library` into .build/fuzz.
// SwiftPM links an executable's `main` to `<module>_main`, so the target defines
// `pretext_fuzz_main` and hands control to libFuzzer's `LLVMFuzzerRunDriver`.
if Context.environment["PRETEXT_FUZZ"] != nil {
    package.targets.append(.target(name: "CLibFuzzer", path: "Fuzz/CLibFuzzer"))
    package.targets.append(.executableTarget(
        name: "pretext-fuzz",
        dependencies: ["CLibFuzzer", "PretextCore", "PretextText", "PretextLabeling", "PretextShards", "PretextPipeline"],
        path: "Fuzz/pretext-fuzz"
    ))
    package.products.append(.executable(name: "pretext-fuzz", targets: ["pretext-fuzz"]))
}

