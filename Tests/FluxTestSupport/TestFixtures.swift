import Foundation
import FluxModels

/// Fixtures for tests that need real video files and a model: clips made with the ffmpeg CLI
/// and a tiny random-weight model (``FluxModels/ModelDirectory/tinyConfiguration``), both in a
/// fresh temporary folder that the caller removes.
public struct TestFixtures {
    public let directory: URL

    /// A new, empty temporary folder.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fluxtest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Deletes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: directory) }

    /// `directory/name`.
    public func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// A `seconds`-long 160×120 clip at 10 fps (ffmpeg's moving test pattern, with a filled box
    /// of `colour` when given), encoded with `codec`; `metadata` are container tags
    /// (`creation_time`, …).
    @discardableResult
    public func clip(_ name: String, colour: String? = nil, seconds: Int = 2, codec: String = "libx264",
                     metadata: [String: String] = [:]) throws -> URL {
        var filter = "testsrc2=size=160x120:rate=10:duration=\(seconds)"
        if let colour { filter += ",drawbox=x=40:y=30:w=60:h=50:color=\(colour):t=fill" }
        let out = url(name)
        try FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: true)
        let tags = metadata.sorted { $0.key < $1.key }.flatMap { ["-metadata", "\($0.key)=\($0.value)"] }
        try Self.ffmpeg(["-f", "lavfi", "-i", filter, "-c:v", codec, "-pix_fmt", "yuv420p"] + tags + [out.path])
        return out
    }

    /// A file of `count` pseudo-random bytes: not a video, whatever its name says.
    @discardableResult
    public func garbage(_ name: String, count: Int = 4096) throws -> URL {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let bytes = (0..<count).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let out = url(name)
        try Data(bytes).write(to: out)
        return out
    }

    /// The tiny random-weight model (both towers), written once per fixture folder.
    public func tinyModel(seed: UInt64 = 1) throws -> ModelDirectory {
        let dir = url("model-\(seed)")
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent(ModelDirectory.configName).path) {
            return try ModelDirectory(dir)
        }
        return try ModelDirectory.writeRandom(to: dir, configuration: ModelDirectory.tinyConfiguration, seed: seed)
    }

    /// Runs the ffmpeg CLI quietly; throws with its message when it fails.
    public static func ffmpeg(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ffmpeg")
        p.arguments = ["-y", "-loglevel", "error"] + arguments
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "ffmpeg", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "ffmpeg \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))"])
        }
    }
}
