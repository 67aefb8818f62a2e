// swift-tools-version:6.0
import PackageDescription

// The kernels need AVX2 + FMA: at the default x86-64 target, SIMD `addingProduct`
// lowers to a libm `fmaf` call per lane (see ../shared/spec/BUILD_NOTES.md §6).
let simdFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]

let package = Package(
    name: "fluxsearch",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fluxsearch", targets: ["fluxsearch"]),
        .library(name: "FluxCore", targets: ["FluxCore"]),
        .library(name: "FluxStore", targets: ["FluxStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries: module map + shim header only.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        // Our own plain-C API over Debian's static libfaiss (which has no C API compiled in).
        .target(name: "FaissBridge",
                linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("gomp"),
                                 .linkedLibrary("openblas"), .linkedLibrary("m")]),

        // Numeric core: tensors, kernels, weight files.
        .target(name: "FluxCore", dependencies: ["CBLAS"], swiftSettings: simdFlags),
        // Vector index (FAISS) and, later, the SQLite store.
        .target(name: "FluxStore", dependencies: ["FluxCore", "FaissBridge"], swiftSettings: simdFlags),
        // The thin CLI.
        .executableTarget(name: "fluxsearch",
                          dependencies: ["FluxCore", "FluxStore",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: simdFlags),

        .testTarget(name: "FluxCoreTests", dependencies: ["FluxCore"], exclude: ["Fixtures"], swiftSettings: simdFlags),
        .testTarget(name: "FluxStoreTests", dependencies: ["FluxStore"], swiftSettings: simdFlags),
        .testTarget(name: "fluxsearchTests", dependencies: ["fluxsearch"], swiftSettings: simdFlags),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
