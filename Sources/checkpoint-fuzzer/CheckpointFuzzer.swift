import Foundation
import FluxModels

// A libFuzzer target over the PyTorch checkpoint reader (zip archive + restricted unpickler +
// tensor bounds + strided reads). Every input is written to a file and opened the way
// `models import` opens one; any crash, hang or sanitizer report is a bug. Errors are fine.
//
//   Tools/fuzz/run.sh [seconds]      builds with -sanitize=fuzzer,address and runs it,
//                                    seeded with Tests/FluxModelsTests/Fixtures/pth
//
// Built normally (as part of `swift build`), the same code replays files given as arguments,
// so a crashing input found by the fuzzer can be rerun under the debugger.

enum CheckpointFuzzing {
    /// The scratch file inputs are written to (one per process).
    static let scratch: URL = {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return URL(fileURLWithPath: dir).appendingPathComponent("fluxsearch-fuzz-\(getpid()).pth")
    }()

    /// Opens `bytes` as a checkpoint and reads every tensor small enough to read quickly.
    static func exercise(_ bytes: UnsafeRawBufferPointer) {
        guard (try? Data(bytes).write(to: scratch)) != nil else { return }
        guard let checkpoint = try? PyTorchCheckpoint(contentsOf: scratch) else { return }
        for name in checkpoint.tensorNames {
            guard let info = try? checkpoint.info(named: name), info.elementCount <= 1 << 20 else { continue }
            _ = try? checkpoint.tensor(named: name)
            if info.dtype.isInteger { _ = try? checkpoint.int64Tensor(named: name) }
        }
    }
}

#if FUZZING
// Built with -sanitize=fuzzer (Tools/fuzz/run.sh). SwiftPM links an executable's entry point as
// `<target>_main`; it hands over to libFuzzer's driver, which calls the callback per input.
// LLVMFuzzerTestOneInput is defined too, for a link where libFuzzer's own main is used.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCheckpoint(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    CheckpointFuzzing.exercise(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("checkpoint_fuzzer_main")
func checkpointFuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in
        CheckpointFuzzing.exercise(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
#else
@main
struct CheckpointFuzzerReplay {
    static func main() {
        let files = CommandLine.arguments.dropFirst()
        guard !files.isEmpty else {
            print("usage: checkpoint-fuzzer FILE...   (replays inputs; Tools/fuzz/run.sh fuzzes)")
            exit(64)
        }
        for path in files {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read"); continue
            }
            data.withUnsafeBytes { CheckpointFuzzing.exercise($0) }
            print("\(path): ok")
        }
        try? FileManager.default.removeItem(at: CheckpointFuzzing.scratch)
    }
}
#endif
