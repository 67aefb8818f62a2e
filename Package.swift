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
        .library(name: "FluxIndex", targets: ["FluxIndex"]),
        .library(name: "FluxQuery", targets: ["FluxQuery"]),
        .library(name: "FluxEval", targets: ["FluxEval"]),
        .library(name: "FluxServe", targets: ["FluxServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // System libraries: module map + shim header only.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        // Named CFluxZlib: ZIPFoundation brings a module called CZlib of its own on Linux.
        .systemLibrary(name: "CFluxZlib", providers: [.apt(["zlib1g-dev"])]),
        // Our own plain-C API over Debian's static libfaiss (which has no C API compiled in).
        .target(name: "FaissBridge",
                linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("gomp"),
                                 .linkedLibrary("openblas"), .linkedLibrary("m")]),

        // Numeric core: tensors, kernels, weight files.
        .target(name: "CFluxKernels", cSettings: kernelCFlags),
        // sync_file_range for large writes (not exposed by Swift's Glibc module).
        .target(name: "CFluxIO"),
        .target(name: "FluxCore", dependencies: ["CBLAS", "CFluxKernels", "CFluxIO"]),
        // Model towers: FluxViT / InternVideo2 vision, MobileCLIP text, tokenizer, loading.
        .target(name: "FluxModels", dependencies: ["FluxCore", "CFluxZlib", .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                                                   .product(name: "Crypto", package: "swift-crypto")]),
        // Installed models: the models folder, the registry of known models, downloads.
        .target(name: "FluxModelHub", dependencies: ["FluxModels", .product(name: "Crypto", package: "swift-crypto"),
                                                     .product(name: "AsyncHTTPClient", package: "async-http-client"),
                                                     .product(name: "NIOCore", package: "swift-nio"),
                                                     .product(name: "NIOPosix", package: "swift-nio"),
                                                     .product(name: "NIOHTTP1", package: "swift-nio")]),
        // Video ingestion: libav decoding, frame sampling, preprocessing, the bounded pipeline.
        .target(name: "FluxIngest", dependencies: ["FluxCore", "CFFmpeg"]),
        // The SQLite store (GRDB) and its derived FAISS indexes.
        .target(name: "FluxStore", dependencies: ["FaissBridge",
                                                 .product(name: "GRDB", package: "GRDB.swift")]),
        // Indexing: the one file → vectors road (VideoEmbedder), scanning, the indexer.
        .target(name: "FluxIndex", dependencies: ["FluxCore", "FluxModels", "FluxIngest", "FluxStore"]),
        // Query: the search session, text encoding, ANN search, dual-softmax rerank, refine.
        .target(name: "FluxQuery", dependencies: ["FluxCore", "FluxModels", "FluxIngest", "FluxStore", "FluxIndex"]),
        // Zero-shot retrieval evaluation: annotations, metrics, eval indexes, tuner.
        .target(name: "FluxEval", dependencies: ["FluxCore", "FluxModels", "FluxIngest", "FluxStore", "FluxIndex"]),
        // `fluxsearch serve`: the web page and JSON API (Hummingbird) over SearchSession.
        .target(name: "FluxServe", dependencies: ["FluxModels", "FluxIngest", "FluxStore", "FluxIndex", "FluxQuery",
                                                 .product(name: "Hummingbird", package: "hummingbird"),
                                                 .product(name: "Logging", package: "swift-log")],
                resources: [.copy("Resources")]),
        // The thin CLI.
        .executableTarget(name: "fluxsearch",
                          dependencies: ["FluxCore", "FluxModels", "FluxIngest", "FluxStore", "FluxIndex", "FluxQuery", "FluxEval", "FluxModelHub", "FluxServe",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // libFuzzer target over the checkpoint reader (Tools/fuzz/run.sh); built normally it replays inputs.
        .executableTarget(name: "checkpoint-fuzzer", dependencies: ["FluxModels"]),

        .testTarget(name: "FluxCoreTests", dependencies: ["FluxCore"], exclude: ["Fixtures"]),
        .testTarget(name: "FluxModelsTests", dependencies: ["FluxModels"], exclude: ["Fixtures"]),
        .testTarget(name: "FluxModelHubTests", dependencies: ["FluxModelHub", "FluxModels", "FluxCore",
                                                              .product(name: "NIOCore", package: "swift-nio"),
                                                              .product(name: "NIOPosix", package: "swift-nio"),
                                                              .product(name: "NIOHTTP1", package: "swift-nio")]),
        .testTarget(name: "FluxIngestTests", dependencies: ["FluxIngest"], exclude: ["Fixtures"]),
        // Test helpers shared by the index and query tests: generated clips, a tiny random model.
        .target(name: "FluxTestSupport", dependencies: ["FluxModels"], path: "Tests/FluxTestSupport"),
        .testTarget(name: "FluxIndexTests", dependencies: ["FluxIndex", "FluxTestSupport"]),
        .testTarget(name: "FluxQueryTests", dependencies: ["FluxQuery", "FluxTestSupport"]),
        .testTarget(name: "FluxStoreTests", dependencies: ["FluxStore"]),
        .testTarget(name: "FluxEvalTests", dependencies: ["FluxEval"]),
        .testTarget(name: "FluxServeTests", dependencies: ["FluxServe", "FluxQuery", "FluxStore", "FluxIndex", "FluxTestSupport",
                                                           .product(name: "HummingbirdTesting", package: "hummingbird")]),
        .testTarget(name: "fluxsearchTests", dependencies: ["fluxsearch"], exclude: ["Fixtures", "HelpSnapshots"]),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
