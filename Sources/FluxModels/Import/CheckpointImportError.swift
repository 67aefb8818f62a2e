/// Why a checkpoint could not be imported. Messages say what failed, for which file or
/// tensor, and what to do.
public enum CheckpointImportError: Error, CustomStringConvertible, Equatable {
    /// The file's extension names no format this importer reads.
    case unsupportedFormat(path: String)
    /// Keys give no clue what the checkpoint holds.
    case unknownKind(path: String)
    /// The keys contradict the kind asked for.
    case kindMismatch(path: String, reason: String)
    /// A tensor the configuration needs is absent.
    case missingTensor(name: String)
    /// A tensor has a shape the inference cannot use.
    case badShape(name: String, shape: [Int], expected: String)
    /// Block or projector indices skip a number.
    case nonContiguous(pattern: String, indices: [Int])
    /// Something cannot be read off the weights; the message names the flag that settles it.
    case needsOption(reason: String)
    /// Tensors do not match the key table of the inferred configuration.
    case tableMismatch(part: String, missing: [String], unexpected: [String], wrongShape: [String])
    /// Tensors that belong to no known part (without `--drop-unknown`).
    case unknownTensors(names: [String])
    /// Two stripped keys collide.
    case duplicateName(path: String, name: String)
    /// The towers disagree on the joint width.
    case jointWidthMismatch(widths: String)
    /// An option that this importer does not do (the Python converter does).
    case unsupportedOption(reason: String)
    /// Nothing to write.
    case empty(path: String)
    /// The output folder exists already.
    case outputExists(path: String)
    /// Writing the model directory failed.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedFormat(let path):
            return "cannot import \(path): not a PyTorch checkpoint (.pth, .pt, .bin: a torch.save zip archive) or a .safetensors file; pass the official file"
        case .unknownKind(let path):
            return "cannot tell what \(path) holds (no vision_encoder./vision_align./text_encoder. keys and no patch_embed.proj.weight); pass --kind"
        case .kindMismatch(let path, let reason):
            return "\(path): \(reason)"
        case .missingTensor(let name):
            return "missing tensor '\(name)', which the model needs: is this the right file, or does it need --vision-base (see `fluxsearch models list` for what each model imports)?"
        case .badShape(let name, let shape, let expected):
            return "tensor '\(name)' has shape \(shape), expected \(expected); the checkpoint is not in an official layout"
        case .nonContiguous(let pattern, let indices):
            return "indices of '\(pattern)' are not contiguous from 0: \(indices); the checkpoint is incomplete"
        case .needsOption(let reason):
            return reason
        case .tableMismatch(let part, let missing, let unexpected, let wrong):
            var lines = ["the \(part) tensors do not match the inferred configuration:"]
            lines += missing.map { "  missing \(part).\($0)" }
            lines += unexpected.map { "  unexpected \(part).\($0)" }
            lines += wrong.map { "  wrong shape \(part).\($0)" }
            if !unexpected.isEmpty { lines.append("  (pass --drop-unknown to drop unexpected tensors)") }
            return lines.joined(separator: "\n")
        case .unknownTensors(let names):
            let shown = names.prefix(20).joined(separator: ", ") + (names.count > 20 ? " …" : "")
            return "\(names.count) tensor(s) belong to no known part: \(shown) (pass --drop-unknown to drop them)"
        case .duplicateName(let path, let name):
            return "\(path): two tensors map to '\(name)' after prefix stripping; the checkpoint mixes two models"
        case .jointWidthMismatch(let widths):
            return "the towers disagree on the joint width: \(widths); import a CLIP checkpoint (vision_align) with the matching text tower"
        case .unsupportedOption(let reason):
            return reason
        case .empty(let path):
            return "nothing to import from \(path): it holds no vision or text tower tensors"
        case .outputExists(let path):
            return "\(path) exists already; remove it first (`fluxsearch models remove NAME`) or choose another --name"
        case .io(let path, let reason):
            return "cannot write the model directory \(path): \(reason); check free space and permissions"
        }
    }
}
