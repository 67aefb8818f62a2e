import Foundation
import XCTest
import FluxCore
@testable import FluxModels

/// Text-tower and tokenizer fixtures, written by Tools/fixtures/make_text_fixtures.py:
///
///   Fixtures/text/captions.json        open_clip ids of the caption list (tokenizer_parity.py)
///   Fixtures/text/<model>/config.json, model.safetensors   tiny random-weight towers
///   Fixtures/text/<model>/case.json    token sequences and the reference's pooled outputs
///   Fixtures/text/<model>/trace_*.npy  per-block residual stream of sequence 0 (77 positions)
enum TextFixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/text")

    /// One caption of captions.json.
    struct Caption: Decodable {
        let group: String
        let text: String
        let ids: [Int32]
        let pre_text: String
        let pre_ids: [Int32]
        let ids_without_fix_encoding: [Int32]?
        let pre_ids_without_fix_encoding: [Int32]?

        /// The ids the Swift tokenizer must produce (mojibake repair is not ported).
        var expectedIDs: [Int32] { ids_without_fix_encoding ?? ids }
        var expectedPreIDs: [Int32] { pre_ids_without_fix_encoding ?? pre_ids }
    }

    struct CaptionFile: Decodable {
        let open_clip: String
        let context_length: Int
        let captions: [Caption]
    }

    static func captions(at url: URL = root.appendingPathComponent("captions.json")) throws -> CaptionFile {
        try JSONDecoder().decode(CaptionFile.self, from: Data(contentsOf: url))
    }

    /// The tokenizer over the vocabulary `Tools/setup` installs, loaded once per test run.
    /// A missing vocabulary fails the calling test with the loader's own message.
    static func tokenizer(file: StaticString = #filePath, line: UInt = #line) throws -> BPETokenizer {
        switch sharedTokenizer {
        case .success(let t): return t
        case .failure(let e):
            XCTFail("\(e)", file: file, line: line)
            throw e
        }
    }

    private static let sharedTokenizer: Result<BPETokenizer, Error> = Result { try BPETokenizer() }

    /// `ids` right-padded with 0 to `n`.
    static func padded(_ ids: [Int32], to n: Int = 77) -> [Int32] {
        ids + [Int32](repeating: 0, count: max(0, n - ids.count))
    }

    // MARK: - Tower cases

    /// case.json of one tiny model.
    struct TowerCase: Decodable {
        /// Token sequences, each `context_length` ids (padded with 0).
        let tokens: [[Int32]]
        /// Reference `encode_text` output per sequence: [projection_dim].
        let outputs: [[Float]]
        /// Reference pooled position (argmax) per sequence.
        let pool: [Int]
        /// Names of the trace files (sequence 0): "embed", "block.0", …, "final".
        let trace: [String]
    }

    static func towerCase(_ model: String) throws -> (directory: URL, spec: TowerCase) {
        let dir = root.appendingPathComponent(model)
        let spec = try JSONDecoder().decode(TowerCase.self, from: Data(contentsOf: dir.appendingPathComponent("case.json")))
        return (dir, spec)
    }

    static func trace(_ model: String, _ name: String) throws -> Tensor {
        try NPY.read(root.appendingPathComponent(model).appendingPathComponent("trace_\(name).npy")).tensor
    }
}
