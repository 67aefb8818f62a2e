import Foundation
import FluxCore

/// What an import did, for the user and for `manifest.json`.
public struct CheckpointImportReport: Sendable {
    /// The model directory written.
    public let directory: URL
    /// Its configuration (as written to config.json).
    public let configuration: ModelConfiguration
    /// What the main checkpoint was read as.
    public let kind: CheckpointImportOptions.Kind
    /// Tensors written to model.safetensors.
    public let tensorCount: Int
    /// Training-only (or, with `dropUnknown`, unknown) tensors left out, as named in their files.
    public let dropped: [String]
    /// (from (T, H), to (T0, H0)) when the position table was resampled.
    public let resampledFrom: [Int]?
    public let resampledTo: [Int]?
    /// "checkpoint" when the file had a vision_align, "identity" when one was made; nil without vision.
    public let visionAlign: String?
    /// One-line notes and warnings, in the order they arose.
    public let notes: [String]

    /// The same report for the directory after it was moved to `url`.
    public func moved(to url: URL) -> CheckpointImportReport {
        CheckpointImportReport(directory: url, configuration: configuration, kind: kind, tensorCount: tensorCount,
                               dropped: dropped, resampledFrom: resampledFrom, resampledTo: resampledTo,
                               visionAlign: visionAlign, notes: notes)
    }
}

/// Turns official checkpoints into a fluxsearch model directory (config.json,
/// model.safetensors, manifest.json) without Python — the Swift twin of
/// `Tools/convert_checkpoint.py`, which stays the reference and the oracle of the tests.
///
/// Steps: open the files (``PyTorchCheckpoint`` or safetensors; nesting unwrapped, prefixes
/// stripped), detect the kind, sort the tensors into vision / vision_align / text and drop the
/// training-only ones, merge `--vision-base` and `--text` files, infer both configurations,
/// resample `pos_embed` to the registered grid, check every tensor against the towers' key
/// tables, and write the directory. Tensors are streamed: each is read, converted and written
/// before the next is read, so memory stays near the size of the largest tensor.
///
/// The directory appears whole or not at all: it is written into a hidden sibling folder and
/// renamed into place at the end.
public enum CheckpointImporter {
    /// Version of the import rules, written to manifest.json (the Python converter's is 1).
    public static let version = 1

    /// Imports `checkpoint` (with `options.text` / `options.visionBase`) into `output`, which
    /// must not exist yet. `log` receives one-line notes as they arise.
    /// - Throws: ``CheckpointImportError``, ``PyTorchCheckpointError``, `WeightFileError`.
    @discardableResult
    public static func importCheckpoint(_ checkpoint: URL, into output: URL, options o: CheckpointImportOptions = .init(),
                                        log: (String) -> Void = { _ in }) throws -> CheckpointImportReport {
        var notes: [String] = []
        func note(_ s: String) { notes.append(s); log(s) }

        let main = try CheckpointSource(url: checkpoint)
        let kind = o.kind == .auto ? try CheckpointPartition.detectKind(main) : o.kind
        note("\(checkpoint.lastPathComponent): \(main.names.count) tensors, kind '\(kind.rawValue)'")
        var parts = try CheckpointPartition(main, kind: kind)
        var sources = [checkpoint]

        if let baseURL = o.visionBase {
            let base = try CheckpointSource(url: baseURL)
            let baseKind = try CheckpointPartition.detectKind(base)
            guard baseKind != .mobileclip else {
                throw CheckpointImportError.kindMismatch(path: baseURL.path, reason: "no vision tower in --vision-base")
            }
            let baseParts = try CheckpointPartition(base, kind: baseKind)
            var filled = 0
            for (k, ref) in baseParts.vision.entries where !parts.vision.contains(k) {
                parts.vision[k] = ref
                filled += 1
            }
            note("\(baseURL.lastPathComponent): filled \(filled) vision tensor(s) missing from \(checkpoint.lastPathComponent)")
            parts.dropped += baseParts.dropped.map { "\(baseURL.lastPathComponent):\($0)" }
            sources.append(baseURL)
        }
        if let textURL = o.text {
            let textSource = try CheckpointSource(url: textURL)
            let textParts = try CheckpointPartition(textSource, kind: .mobileclip)
            guard !textParts.text.isEmpty else {
                throw CheckpointImportError.kindMismatch(path: textURL.path, reason: "no text_encoder.* tensors in --text (expected a MobileCLIP checkpoint such as mobileclip_blt.pt)")
            }
            if !parts.text.isEmpty {
                note("warning: replacing the \(parts.text.count) text_encoder tensors of \(checkpoint.lastPathComponent) with those of \(textURL.lastPathComponent)")
            }
            parts.text = textParts.text
            parts.dropped += textParts.dropped.map { "\(textURL.lastPathComponent):\($0)" }
            parts.unknown += textParts.unknown.map { "\(textURL.lastPathComponent):\($0)" }
            sources.append(textURL)
        }
        if !parts.unknown.isEmpty {
            guard o.dropUnknown else { throw CheckpointImportError.unknownTensors(names: parts.unknown) }
            note("warning: dropping \(parts.unknown.count) unknown tensor(s): " + parts.unknown.prefix(20).joined(separator: ", "))
            parts.dropped += parts.unknown
        }
        if !parts.dropped.isEmpty {
            note("dropped \(parts.dropped.count) training-only tensor(s): " + parts.dropped.joined(separator: ", "))
        }

        var out = OrderedTensors()
        var widths: [(String, Int)] = []
        var vision: VisionConfiguration?
        var text: TextConfiguration?
        var resampled: (from: [Int], to: [Int])?
        var alignOrigin: String?
        if !parts.vision.isEmpty {
            let inference = try VisionInference(vision: &parts.vision, kind: kind, options: o)
            inference.notes.forEach(note)
            let config = inference.configuration
            resampled = inference.resampled
            try check(&parts.vision, against: config.parameterTable.defaultShapes, part: "vision_encoder", dropUnexpected: o.dropUnknown, note: note)
            for (k, ref) in parts.vision.entries { out["vision_encoder." + k] = ref }
            let width = config.projectorOutDim
            let joint: Int
            if !parts.align.isEmpty {
                guard let w = parts.align["1.weight"], w.shape.count == 2 else {
                    throw CheckpointImportError.missingTensor(name: "vision_align.1.weight")
                }
                joint = w.shape[0]
                try check(&parts.align, against: config.alignTable(embedDim: joint).defaultShapes, part: "vision_align", dropUnexpected: o.dropUnknown, note: note)
                alignOrigin = "checkpoint"
            } else {
                joint = o.embedDim ?? width
                guard joint == width else {
                    throw CheckpointImportError.unsupportedOption(reason: "--embed-dim \(joint): a vision-only checkpoint gets an identity vision_align, so the joint width is the projector width \(width); a random projection (--init-align random) is for experiments and only Tools/convert_checkpoint.py makes one")
                }
                var eye = [Float](repeating: 0, count: width * width)
                for i in 0..<width { eye[i * width + i] = 1 }
                parts.align = OrderedTensors()
                parts.align["0.weight"] = .constant(Tensor(shape: [width], values: [Float](repeating: 1, count: width)))
                parts.align["0.bias"] = .constant(Tensor(zeros: [width]))
                parts.align["1.weight"] = .constant(Tensor(shape: [width, width], values: eye))
                parts.align["1.bias"] = .constant(Tensor(zeros: [width]))
                alignOrigin = "identity"
                note("warning: the checkpoint has no vision_align; wrote an identity one (\(width) -> \(width)); embeddings are not in a text-aligned space (video-to-video search only)")
            }
            for (k, ref) in parts.align.entries { out["vision_align." + k] = ref }
            widths.append(("vision_align", joint))
            vision = config
        } else if !parts.align.isEmpty {
            throw CheckpointImportError.kindMismatch(path: checkpoint.path, reason: "vision_align tensors without a vision tower")
        }
        if !parts.text.isEmpty {
            let inference = try TextInference(text: parts.text, options: o)
            inference.notes.forEach(note)
            try check(&parts.text, against: TextTower.parameterTable(inference.configuration).defaultShapes, part: "text_encoder", dropUnexpected: o.dropUnknown, note: note)
            for (k, ref) in parts.text.entries { out["text_encoder." + k] = ref }
            widths.append(("text projection", inference.configuration.projectionDim))
            text = inference.configuration
        }
        guard !out.isEmpty, let jointWidth = widths.first?.1 else { throw CheckpointImportError.empty(path: checkpoint.path) }
        guard Set(widths.map(\.1)).count == 1 else {
            throw CheckpointImportError.jointWidthMismatch(widths: widths.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
        }
        let name = o.name ?? output.standardizedFileURL.lastPathComponent
        let configuration = ModelConfiguration(name: name, vision: vision, text: text, embedDim: jointWidth)
        try configuration.validate(path: output.appendingPathComponent(ModelDirectory.configName).path)

        let manifest = ImportManifest(kind: kind.rawValue, dtype: o.dtype.rawValue, dropped: parts.dropped,
                                      resampledFrom: resampled?.from, resampledTo: resampled?.to,
                                      visionAlign: alignOrigin, tensors: out.count,
                                      sources: try sources.map { try ImportManifest.Source(url: $0, known: o.knownSHA256) })
        try ModelDirectoryWriter.write(configuration: configuration, tensors: out, dtype: o.dtype, manifest: manifest, to: output)
        note("wrote \(output.path): config.json, model.safetensors (\(out.count) tensors, \(o.dtype.rawValue)), manifest.json")
        return CheckpointImportReport(directory: output, configuration: configuration, kind: kind, tensorCount: out.count,
                                      dropped: parts.dropped, resampledFrom: resampled?.from, resampledTo: resampled?.to,
                                      visionAlign: alignOrigin, notes: notes)
    }

    /// `check_tensors`: every expected key present with its shape; unexpected keys are errors,
    /// or dropped (with a note) when `dropUnexpected`.
    private static func check(_ actual: inout OrderedTensors, against expected: [(key: String, shape: [Int])], part: String,
                              dropUnexpected: Bool, note: (String) -> Void) throws {
        let expectedShapes = Dictionary(expected.map { ($0.key, $0.shape) }, uniquingKeysWith: { a, _ in a })
        let missing = expected.map(\.key).filter { !actual.contains($0) }
        var unexpected = actual.keys.filter { expectedShapes[$0] == nil }
        let wrong = expected.compactMap { e -> String? in
            guard let a = actual[e.key], a.shape != e.shape else { return nil }
            return "\(e.key): expected \(e.shape), got \(a.shape)"
        }
        if !unexpected.isEmpty, dropUnexpected {
            note("warning: dropping \(unexpected.count) unexpected tensor(s): " + unexpected.map { "\(part).\($0)" }.joined(separator: ", "))
            for k in unexpected { actual[k] = nil }
            unexpected = []
        }
        guard missing.isEmpty, unexpected.isEmpty, wrong.isEmpty else {
            throw CheckpointImportError.tableMismatch(part: part, missing: missing, unexpected: unexpected, wrongShape: wrong)
        }
    }
}

extension CheckpointImporter {
    /// What `url` holds, from its keys (reads the file's index only, not its tensor data).
    public static func detectKind(of url: URL) throws -> CheckpointImportOptions.Kind {
        try CheckpointPartition.detectKind(CheckpointSource(url: url))
    }

    /// Sorts several official files into a main checkpoint, a `--text` file and a
    /// `--vision-base` file by what they hold: a MobileCLIP file is the text tower; with a CLIP
    /// container and a bare tower, the container is the main file and the tower its base.
    /// - Throws: ``CheckpointImportError/needsOption(reason:)`` when the roles are ambiguous.
    public static func assignRoles(_ files: [URL]) throws -> (main: URL, text: URL?, visionBase: URL?) {
        guard !files.isEmpty else { throw CheckpointImportError.needsOption(reason: "no checkpoint given") }
        if files.count == 1 { return (files[0], nil, nil) }
        var text: [URL] = [], clip: [URL] = [], towers: [URL] = []
        for f in files {
            switch try detectKind(of: f) {
            case .mobileclip: text.append(f)
            case .clip: clip.append(f)
            default: towers.append(f)
            }
        }
        func ambiguous(_ why: String) -> CheckpointImportError {
            .needsOption(reason: "cannot tell the files' roles: \(why); give one file and name the others with --text FILE and --vision-base FILE")
        }
        guard text.count <= 1 else { throw ambiguous("\(text.count) files hold only a text tower") }
        switch (clip.count, towers.count) {
        case (1, 0): return (clip[0], text.first, nil)
        case (1, 1): return (clip[0], text.first, towers[0])
        case (0, 1): return (towers[0], text.first, nil)
        case (0, 0): return (text[0], nil, nil)
        default: throw ambiguous("\(clip.count) CLIP containers and \(towers.count) bare vision towers")
        }
    }
}
