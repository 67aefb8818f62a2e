import Foundation
import XCTest

/// Runs the built `fluxsearch` executable (it sits beside the test bundle in .build/<config>/).
struct CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fluxsearch")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], unsetting: [String] = [],
                    in directory: URL? = nil) throws -> Result {
        try runProcess(executable, arguments,
                       environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }
                           .filter { !unsetting.contains($0.key) },
                       in: directory)
    }
}

/// Runs any executable to completion and captures its output.
func runProcess(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
                in directory: URL? = nil) throws -> CLI.Result {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so a full pipe cannot block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLI.Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
}

/// Writes a `seconds`-long 160×120 H.264 clip of ffmpeg's moving test pattern with a filled box
/// of `colour` to `url` (the clips the CLI tests index).
func makeTestPatternClip(_ url: URL, colour: String, seconds: Int = 2) throws {
    let r = try runProcess(URL(fileURLWithPath: "/usr/bin/ffmpeg"),
                           ["-y", "-loglevel", "error", "-f", "lavfi", "-i",
                            "testsrc2=size=160x120:rate=10:duration=\(seconds),drawbox=x=40:y=30:w=60:h=50:color=\(colour):t=fill",
                            "-c:v", "libx264", "-pix_fmt", "yuv420p", url.path])
    guard r.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "ffmpeg: \(r.stderr)"]) }
}

/// The repository's Tests/ folder.
let testsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fluxsearch-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

extension CLI {
    /// Runs the built `fluxsearch` with its standard output connected to `standardOutput`
    /// (e.g. /dev/full, or the write end of a pipe whose read end is closed); stdout is not
    /// captured, so the result's `stdout` is empty. Also returns how the process ended.
    static func run(_ arguments: [String], standardOutput: FileHandle) throws -> (result: Result, reason: Process.TerminationReason) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = standardOutput
        process.standardError = err
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (Result(status: process.terminationStatus, stdout: "", stderr: String(decoding: stderr, as: UTF8.self)),
                process.terminationReason)
    }
}
