import Foundation
import XCTest

/// The committed demo model (Corpus/models/demo) through the product's own commands:
/// embeddings against the PyTorch reference, and the README's sample queries against the
/// generated synthetic test split.
final class DemoModelTests: XCTestCase {
    static let repository = testsRoot.deletingLastPathComponent()
    static let model = repository.appendingPathComponent("Corpus/models/demo")
    static let fixtures = testsRoot.appendingPathComponent("fluxsearchTests/Fixtures/demo")

    /// Written by Tools/train/make_demo_fixture.py (see its docstring for the layout).
    struct Expected: Decodable {
        struct Clips: Decodable {
            struct Case: Decodable { let budget: Int; let projector: Int; let tokens: Int; let embedding: [[Float]] }
            let file: String
            let videos: [String]
            let cases: [Case]
        }
        struct Vision: Decodable {
            let shape: [Int]; let seed: UInt64; let budget: Int; let projector: Int; let tokens: Int
            let embedding: [[Float]]
        }
        struct Text: Decodable { let text: String; let ids: [Int32]; let embedding: [Float] }
        let model_name: String
        let safetensors_sha256: String
        let tolerance: Float
        let clips: Clips
        let vision: [Vision]
        let text: [Text]
    }

    struct EmbedReport: Decodable {
        struct Clip: Decodable { let embedding: [Float]? }
        let model: String; let projector: Int; let tokens_per_clip: Int; let clips: [Clip]
    }

    struct TextReport: Decodable { let tokens: [Int32]; let embedding: [Float] }

    func embed(_ args: [String]) throws -> Data {
        let r = try CLI.run(["embed", "--model", Self.model.path, "--json"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return Data(r.stdout.utf8)
    }

    /// The fixture must describe the committed weights: a retrained model needs a new fixture.
    func testFixtureWasMadeFromTheCommittedWeights() throws {
        let expected = try Self.loadExpected()
        let sum = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["sha256sum", "Corpus/models/demo/model.safetensors"],
                                 in: Self.repository)
        XCTAssertEqual(sum.status, 0, sum.stderr)
        XCTAssertEqual(String(sum.stdout.prefix(64)), expected.safetensors_sha256,
                       "Corpus/models/demo changed; rerun Tools/train/make_demo_fixture.py")
    }

    /// Real test clips (uint8 frames as the ingestion delivers them, normalised identically on
    /// both sides) at the full budget and with selection to ½ and ¼ of it.
    func testClipEmbeddingsMatchPyTorch() throws {
        let expected = try Self.loadExpected()
        let frames = try readUInt8NPY(Self.fixtures.appendingPathComponent(expected.clips.file))
        XCTAssertEqual(frames.shape.count, 5)
        let (b, t, h, w) = (frames.shape[0], frames.shape[1], frames.shape[2], frames.shape[3])
        XCTAssertEqual(b, expected.clips.videos.count)
        // uint8 [B, T, H, W, 3] -> float32 [B, 3, T, H, W], (x / 255 − mean) / std as torch does it.
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        var x = [Float](repeating: 0, count: frames.values.count)
        for i in 0..<b { for f in 0..<t { for p in 0..<(h * w) { for c in 0..<3 {
            let v = Float(frames.values[(((i * t + f) * h * w) + p) * 3 + c]) / 255
            x[((i * 3 + c) * t + f) * h * w + p] = (v - mean[c]) / std[c]
        } } } }
        let npy = try temporaryDirectory(self).appendingPathComponent("clips.npy")
        try writeFloat32NPY(x, shape: [b, 3, t, h, w], to: npy)
        for c in expected.clips.cases {
            let report = try JSONDecoder().decode(EmbedReport.self, from: try embed(["--tensor", npy.path, "--tokens", "\(c.budget)"]))
            XCTAssertEqual(report.model, expected.model_name)
            XCTAssertEqual(report.projector, c.projector, "budget \(c.budget)")
            XCTAssertEqual(report.tokens_per_clip + 1, c.tokens, "budget \(c.budget)")
            let diff = maxAbsDifference(report.clips.map { $0.embedding ?? [] }, c.embedding)
            print("demo parity: \(expected.clips.videos.joined(separator: ", ")) at \(c.budget) tokens: max abs diff \(diff)")
            XCTAssertLessThanOrEqual(diff, expected.tolerance, "budget \(c.budget)")
        }
    }

    /// Shapes the clip case does not reach: 16 frames, 98 px (position table resampled), 2 frames.
    func testSyntheticInputsMatchPyTorch() throws {
        let expected = try Self.loadExpected()
        let dir = try temporaryDirectory(self)
        for (n, v) in expected.vision.enumerated() {
            let npy = dir.appendingPathComponent("case\(n).npy")
            try writeFloat32NPY(hashV1(shape: v.shape, seed: v.seed), shape: v.shape, to: npy)
            let report = try JSONDecoder().decode(EmbedReport.self, from: try embed(["--tensor", npy.path, "--tokens", "\(v.budget)"]))
            XCTAssertEqual(report.projector, v.projector, "\(v.shape) at \(v.budget)")
            let diff = maxAbsDifference(report.clips.map { $0.embedding ?? [] }, v.embedding)
            print("demo parity: hash-v1 \(v.shape) at \(v.budget) tokens: max abs diff \(diff)")
            XCTAssertLessThanOrEqual(diff, expected.tolerance, "\(v.shape) at \(v.budget)")
        }
    }

    func testTextEmbeddingsMatchPyTorch() throws {
        let expected = try Self.loadExpected()
        XCTAssertFalse(expected.text.isEmpty)
        for t in expected.text {
            let report = try JSONDecoder().decode(TextReport.self, from: try embed(["--text", t.text]))
            XCTAssertEqual(report.tokens, t.ids, t.text)
            let diff = maxAbsDifference([report.embedding], [t.embedding])
            print("demo parity: text \(t.text.debugDescription): max abs diff \(diff)")
            XCTAssertLessThanOrEqual(diff, expected.tolerance, t.text)
        }
    }

    /// With no --model and no FLUXSEARCH_MODEL, commands use the demo model, also when run
    /// from outside the checkout, and name it with its weight hash.
    func testDemoModelIsTheDefaultFromAnyDirectory() throws {
        let elsewhere = try temporaryDirectory(self)
        let r = try CLI.run(["embed", "--text", "two red squares", "--json"], unsetting: ["FLUXSEARCH_MODEL"], in: elsewhere)
        XCTAssertEqual(r.status, 0, r.stderr)
        struct Report: Decodable { let model: String; let model_hash: String }
        let report = try JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8))
        XCTAssertEqual(report.model, try Self.loadExpected().model_name)
        XCTAssertTrue(report.model_hash.hasPrefix("h64:"), report.model_hash)
    }

    // MARK: - Support

    static func loadExpected() throws -> Expected {
        let url = Self.fixtures.appendingPathComponent("expected.json")
        return try JSONDecoder().decode(Expected.self, from: Data(contentsOf: url))
    }
}

/// Largest |a − b| over two equally shaped lists of vectors (∞ when the shapes differ).
func maxAbsDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
    guard a.count == b.count, zip(a, b).allSatisfy({ $0.count == $1.count }) else { return .infinity }
    return zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
}

/// The "hash-v1" input of Tools/reference/fluxvit.py over the flat C-order index i:
/// u = (i·2654435761 + seed·40503) mod 2³², x = (u >> 8)·2⁻²³ − 1.
func hashV1(shape: [Int], seed: UInt64) -> [Float] {
    let count = shape.reduce(1, *), seedTerm = seed &* 40503
    return (0..<count).map { i in
        Float(((UInt64(i) &* 2654435761 &+ seedTerm) & 0xFFFF_FFFF) >> 8) * 0x1p-23 - 1
    }
}

/// A version-1.0 .npy of little-endian float32 in C order.
func writeFloat32NPY(_ values: [Float], shape: [Int], to url: URL) throws {
    precondition(values.count == shape.reduce(1, *))
    var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", ")),), }"
    let unpadded = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    withUnsafeBytes(of: UInt16(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: Array(header.utf8))
    values.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }
    try data.write(to: url)
}

/// Reads a version-1.0 uint8 .npy in C order.
func readUInt8NPY(_ url: URL) throws -> (shape: [Int], values: [UInt8]) {
    let data = try Data(contentsOf: url)
    let bytes = [UInt8](data)
    guard bytes.count > 10, bytes[0] == 0x93, bytes[6] == 1 else { throw CocoaError(.fileReadCorruptFile) }
    let length = Int(bytes[8]) | Int(bytes[9]) << 8
    let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
    guard header.contains("'|u1'"), header.contains("'fortran_order': False"),
          let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")")
    else { throw CocoaError(.fileReadCorruptFile) }
    let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    let values = Array(bytes[(10 + length)...])
    guard values.count == shape.reduce(1, *) else { throw CocoaError(.fileReadCorruptFile) }
    return (shape, values)
}
