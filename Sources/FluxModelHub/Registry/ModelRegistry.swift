import Foundation

/// The known models (`fluxsearch models pull NAME`).
///
/// Revisions and hashes are pinned only where a public source gave them; each file's
/// `provenance` says which. Unpinned Hugging Face files are checked against the host's
/// `X-Linked-Etag` (the LFS SHA-256) instead.
public enum ModelRegistry {
    /// The Hugging Face repository of the InternVideo2 distilled S/B/L models and CLIP heads.
    public static let internVideo2Repo = "OpenGVLab/InternVideo2_distillation_models"

    /// The commit of ``internVideo2Repo`` the paths below are read at ("[fix] rename", the
    /// commit that gave the files their current paths and, when this table was written, the
    /// head of `main`). The full id is not shown on the Hub pages (they show `449f7ea`); it was
    /// taken from two public projects that pin it: NVIDIA TAO's InternVideo2-CLIP asset
    /// resolver (`DEFAULT_INTERNVIDEO2CLIP_REVISION`) and a Hugging Face cache snapshot path
    /// (`models--OpenGVLab--InternVideo2_distillation_models/snapshots/449f7ea1…`).
    public static let internVideo2Revision = "449f7ea1d7d3b70b6b5630e70d238b44d3b7aaac"

    static let internVideo2Terms = URL(string: "https://huggingface.co/OpenGVLab/InternVideo2_distillation_models")!
    static let fluxViTModelZoo = "https://github.com/OpenGVLab/FluxViT/blob/main/single_modality/MODEL_ZOO.md"

    /// MobileCLIP-B(LT) text weights, shared by both IV2-CLIP entries (downloaded once).
    ///
    /// SHA-256 and size: Apple publishes no checksum for this URL. The same value appears in
    /// several unrelated public projects: an OV-AVEL reproduction's download receipt for this
    /// exact URL (599,214,572 bytes), and a YOLOE-based project's model lock whose copy came
    /// from Hugging Face `apple/MobileCLIP-B-LT` (same size). It is pinned on that agreement of
    /// two independent sources; set `sha256` to nil to fall back to hashing and reporting only.
    /// The downloader computes the hash of what it fetched in every case (for the manifest).
    public static let mobileCLIPText = RegistryFile(
        role: .text,
        source: .url(URL(string: "https://docs-assets.developer.apple.com/ml-research/datasets/mobileclip/mobileclip_blt.pt")!),
        expectedBytes: 599_214_572,
        sha256: "670844f7a886dd6eff7a9285adfc53f3d3c889c03bfc8354010cb5c6bf27441a",
        provenance: "no checksum published by Apple; pinned on agreeing third-party records (OV-AVEL reproduction download receipt of this URL; YOLOE project lock of the Hugging Face apple/MobileCLIP-B-LT copy)")

    static func internVideo2File(_ role: ModelFileRole, _ path: String, bytes: Int64? = nil, sha256: String? = nil, provenance: String) -> RegistryFile {
        RegistryFile(role: role, source: .huggingFace(repo: internVideo2Repo, revision: internVideo2Revision, path: path),
                     expectedBytes: bytes, sha256: sha256, provenance: provenance)
    }

    static let noPublishedHash = "no SHA-256 found in public sources; verified against the host's X-Linked-Etag (LFS SHA-256)"

    /// All entries, in the order listings show them.
    public static let entries: [ModelRegistryEntry] = [
        ModelRegistryEntry(
            name: "iv2-clip-s14",
            summary: "InternVideo2-CLIP S/14 with the MobileCLIP-B(LT) text tower (text-to-video search, smallest)",
            textAligned: true, termsURL: internVideo2Terms, size: .s,
            files: [
                internVideo2File(.main, "clip/S14/pytorch_model.bin", provenance: noPublishedHash),
                internVideo2File(.visionBase, "stage1/S14/S14_dist_1B_stage2/pytorch_model.bin", provenance: noPublishedHash),
                mobileCLIPText,
            ]),
        ModelRegistryEntry(
            name: "iv2-clip-b14",
            summary: "InternVideo2-CLIP B/14 with the MobileCLIP-B(LT) text tower (text-to-video search)",
            textAligned: true, termsURL: internVideo2Terms, size: .b,
            files: [
                // Size and SHA-256 of both B14 files: an OV-AVEL reproduction's download
                // receipt and asset catalog (files fetched from this repository's `main`,
                // whose head is the pinned revision), where they were checked against the
                // Hub's published LFS hashes.
                internVideo2File(.main, "clip/B14/pytorch_model.bin", bytes: 5_552_811,
                                 sha256: "c76ebe61e955500056e83f137e028eb6ad5101e1ace137c62fbde6c3569fb05e",
                                 provenance: "SHA-256 from a third-party download receipt (OV-AVEL reproduction) of this path"),
                internVideo2File(.visionBase, "stage1/B14/B14_dist_1B_stage2/pytorch_model.bin", bytes: 204_538_935,
                                 sha256: "1037a4785a830f9d663cab72da5751129e012042e428a74e019f84f016cd0be7",
                                 provenance: "SHA-256 from a third-party download receipt (OV-AVEL reproduction) of this path"),
                mobileCLIPText,
            ]),
        ModelRegistryEntry(
            name: "fluxvit-s14",
            summary: "FluxViT S/14, Kinetics-400 fine-tuned (video-to-video only: no text tower); import-only",
            textAligned: false, termsURL: URL(string: "https://github.com/OpenGVLab/FluxViT")!, size: .s,
            files: [],
            manualDownload: ManualDownload(whereToGet: "the FluxViT-S/14 K400 fine-tuned checkpoint is a Google Drive link (no scriptable host) in single_modality/MODEL_ZOO.md of OpenGVLab/FluxViT: \(fluxViTModelZoo)")),
        ModelRegistryEntry(
            name: "fluxvit-b14",
            summary: "FluxViT B/14, Kinetics-400 fine-tuned (video-to-video only: no text tower); import-only",
            textAligned: false, termsURL: URL(string: "https://github.com/OpenGVLab/FluxViT")!, size: .b,
            files: [],
            manualDownload: ManualDownload(whereToGet: "the FluxViT-B/14 K400 fine-tuned checkpoint is a Google Drive link (no scriptable host) in single_modality/MODEL_ZOO.md of OpenGVLab/FluxViT: \(fluxViTModelZoo)")),
    ]

    /// The entry of that name, or nil.
    public static func entry(named name: String) -> ModelRegistryEntry? {
        entries.first { $0.name == name }
    }

    /// The entry of that name, ready to pull.
    /// - Throws: ``ModelDownloadError/unknownModel(_:known:)`` for a name not in the table,
    ///   ``ModelDownloadError/notDownloadable(model:whereToGet:importCommand:)`` for an import-only model.
    public static func pullableEntry(named name: String) throws -> ModelRegistryEntry {
        guard let entry = entry(named: name) else {
            throw ModelDownloadError.unknownModel(name, known: entries.map(\.name))
        }
        if let manual = entry.manualDownload {
            throw ModelDownloadError.notDownloadable(model: entry.name, whereToGet: manual.whereToGet, importCommand: entry.importCommand())
        }
        return entry
    }
}
