// swift-tools-version:6.0
import PackageDescription

// Elementwise kernels are C with AVX2/FMA intrinsics (CFluxKernels): Swift's generic SIMD
// methods (clamped, pointwiseMax, replacing(with:where:)) compile to per-lane scalar code.
// They are optimised in debug builds too, so the test suite runs them at speed.
let kernelCFlags: [CSetting] = [.unsafeFlags(["-O3"])]

let package = Package(
    name: "fluxsearch",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fluxsearch", targets: ["fluxsearch"]),
        .library(name: "FluxCore", targets: ["FluxCore"]),
        .library(name: "FluxModels", targets: ["FluxModels"]),
        .library(name: "FluxIngest", targets: ["FluxIngest"]),
        .library(name: "FluxStore", targets: ["FluxStore"]),
        .library(name: "FluxQuery", targets: ["FluxQuery"]),
        .library(name: "FluxEval", targets: ["FluxEval"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
    ],
    targets: [
        // System libraries: module map + shim header only.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Our own plain-C API over Debian's static libfaiss (which has no C API compiled in).
        .target(name: "FaissBridge",
                linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("gomp"),
                                 .linkedLibrary("openblas"), .linkedLibrary("m")]),

        // Numeric core: tensors, kernels, weight files.
        .target(name: "CFluxKernels", cSettings: kernelCFlags),
        .target(name: "FluxCore", dependencies: ["CBLAS", "CFluxKernels"]),
        // Model towers: FluxViT / InternVideo2 vision, MobileCLIP text, tokenizer, loading.
        .target(name: "FluxModels", dependencies: ["FluxCore", "CZlib"]),
        // Video ingestion: libav decoding, sampling, preprocessing, decode→encode pipeline.
        .target(name: "FluxIngest", dependencies: ["FluxCore", "FluxModels", "CFFmpeg"]),
        // Vector index (FAISS) and, later, the SQLite store.
        .target(name: "FluxStore", dependencies: ["FluxCore", "FaissBridge",
                                                 .product(name: "GRDB", package: "GRDB.swift")]),
        // Query: text encoding, ANN search, dual-softmax rerank, refine.
        .target(name: "FluxQuery", dependencies: ["FluxCore", "FluxModels", "FluxIngest", "FluxStore"]),
        // Zero-shot retrieval evaluation: annotations, metrics, eval indexes, tuner.
        .target(name: "FluxEval", dependencies: ["FluxCore", "FluxModels", "FluxIngest", "FluxStore", "FluxQuery"]),
        // The thin CLI.
        .executableTarget(name: "fluxsearch",
                          dependencies: ["FluxCore", "FluxModels", "FluxIngest", "FluxStore", "FluxQuery", "FluxEval",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        .testTarget(name: "FluxCoreTests", dependencies: ["FluxCore"], exclude: ["Fixtures"]),
        .testTarget(name: "FluxModelsTests", dependencies: ["FluxModels"], exclude: ["Fixtures"]),
        .testTarget(name: "FluxIngestTests", dependencies: ["FluxIngest"], exclude: ["Fixtures"]),
        .testTarget(name: "FluxQueryTests", dependencies: ["FluxQuery"]),
        .testTarget(name: "FluxStoreTests", dependencies: ["FluxStore"]),
        .testTarget(name: "FluxEvalTests", dependencies: ["FluxEval"]),
        .testTarget(name: "fluxsearchTests", dependencies: ["fluxsearch"]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
