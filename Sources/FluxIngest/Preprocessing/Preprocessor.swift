import FluxCore

/// Frames → the encoder's input: resize, scale to [0, 1], ImageNet mean/std, `[3, T, S, S]`.
///
/// Semantics of InternVideo2's eval transform (MODEL_SPEC §6.1) on torchvision 0.14's tensor
/// path: `Resize((S, S), bicubic)` squashes each uint8 frame to S×S without keeping the aspect
/// ratio and without antialiasing (PyTorch bicubic, A = −0.75, align_corners=False, computed in
/// float32, clamped to [0, 255], rounded half-to-even back to uint8 —
/// ``FluxCore/Interpolation/resizeBicubic(_:height:width:channels:outHeight:outWidth:into:)``);
/// then `x.float() / 255` and `(x − mean) / std` per channel, all in float32.
///
/// ``Mode/centerCrop`` is CLIP4Clip's `Resize(S)` (short side to S, long side
/// `Int(S · long / short)`, same bicubic) followed by `CenterCrop(S)` (offsets
/// `round((side − S) / 2)`, half-to-even as Python rounds).
public struct Preprocessor: Sendable, Equatable, Codable {
    /// How a frame becomes square.
    public enum Mode: String, Sendable, Codable, CaseIterable {
        /// Resize to S×S, ignoring the aspect ratio (the retrieval eval protocol).
        case squash
        /// Resize the short side to S, then cut the central S×S.
        case centerCrop = "center_crop"
    }

    /// Output side in pixels (S).
    public var size: Int
    public var mode: Mode
    /// Per-channel mean and standard deviation (R, G, B) of [0, 1] pixels.
    public var mean: [Float]
    public var std: [Float]

    /// ImageNet statistics, used by InternVideo2 / FluxViT.
    public static let imagenetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imagenetStd: [Float] = [0.229, 0.224, 0.225]

    public init(size: Int = 224, mode: Mode = .squash,
                mean: [Float] = Preprocessor.imagenetMean, std: [Float] = Preprocessor.imagenetStd) {
        precondition(size >= 1, "Preprocessor: size must be ≥ 1 pixel, got \(size)")
        precondition(mean.count == 3 && std.count == 3, "Preprocessor: mean and std need 3 values (R, G, B)")
        self.size = size
        self.mode = mode
        self.mean = mean
        self.std = std
    }

    /// What this preprocessor does to pixels, as recorded in an index's settings: two runs
    /// may share an index only if their descriptors are equal. For the default squash
    /// preprocessor it is
    /// `{"mean":[0.485,0.456,0.406],"resize":"squash-bicubic-uint8-round-half-even","std":[0.229,0.224,0.225]}`
    /// (sorted keys, shortest float spelling), the string every existing index holds.
    public var descriptor: String {
        func list(_ v: [Float]) -> String { "[" + v.map { "\($0)" }.joined(separator: ",") + "]" }
        return #"{"mean":"# + list(mean) + #","resize":""# + mode.rawValue + #"-bicubic-uint8-round-half-even","std":"#
            + list(std) + "}"
    }

    // MARK: - Resize

    /// The frame as S×S uint8 RGB, by ``mode``.
    public func resize(_ image: RGBImage) -> RGBImage {
        switch mode {
        case .squash:
            return Self.resize(image, width: size, height: size)
        case .centerCrop:
            let (w, h) = Self.shortSideSize(width: image.width, height: image.height, short: size)
            return Self.centerCrop(Self.resize(image, width: w, height: h), size: size)
        }
    }

    /// Bicubic resize of an RGB image to `width`×`height` pixels (torchvision 0.14 tensor
    /// `Resize`, no antialias). Same size returns the image unchanged.
    public static func resize(_ image: RGBImage, width: Int, height: Int) -> RGBImage {
        if image.width == width, image.height == height { return image }
        let pixels = Interpolation.resizeBicubic(image.pixels, height: image.height, width: image.width, channels: 3,
                                                 outHeight: height, outWidth: width)
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// torchvision's `_compute_resized_output_size` for an int size: the short side becomes
    /// `short`, the long side `Int(short · long / short_side)` (truncation).
    public static func shortSideSize(width w: Int, height h: Int, short s: Int) -> (width: Int, height: Int) {
        if w <= h { return (s, Int(Double(s) * Double(h) / Double(w))) }
        return (Int(Double(s) * Double(w) / Double(h)), s)
    }

    /// The central `size`×`size` pixels (torchvision `center_crop`; the image must be at least
    /// that large, which ``shortSideSize(width:height:short:)`` guarantees).
    public static func centerCrop(_ image: RGBImage, size s: Int) -> RGBImage {
        precondition(image.width >= s && image.height >= s, "centerCrop: \(image.width)×\(image.height) is smaller than \(s)")
        let top = Int((Double(image.height - s) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(image.width - s) / 2).rounded(.toNearestOrEven))
        var out = [UInt8](repeating: 0, count: s * s * 3)
        for y in 0..<s {
            let src = 3 * ((top + y) * image.width + left)
            out.replaceSubrange((3 * y * s)..<(3 * (y + 1) * s), with: image.pixels[src..<(src + 3 * s)])
        }
        return RGBImage(width: s, height: s, pixels: out)
    }

    // MARK: - Normalize

    /// Lookup table `[3, 256]`: (v / 255 − mean[c]) / std[c] in float32, torchvision's order.
    public var normalizationTable: [Float] {
        var lut = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for v in 0..<256 { lut[c * 256 + v] = (Float(v) / 255 - mean[c]) / std[c] }
        }
        return lut
    }

    /// Resizes and normalises `frames` into `[3, T, S, S]` float32 (channel-major, as the
    /// encoder's `[B, 3, T, H, W]` input wants once a batch axis is added).
    public func tensor(_ frames: [RGBImage]) -> Tensor {
        let s = size, t = frames.count, plane = s * s
        let out = Tensor(zeros: [3, t, s, s])
        let lut = normalizationTable
        lut.withUnsafeBufferPointer { table in
            for (f, frame) in frames.enumerated() {
                let resized = resize(frame)
                resized.pixels.withUnsafeBufferPointer { px in
                    for c in 0..<3 {
                        let dst = out.data + (c * t + f) * plane
                        let row = table.baseAddress! + c * 256
                        for i in 0..<plane { dst[i] = row[Int(px[3 * i + c])] }
                    }
                }
            }
        }
        return out
    }

    /// One clip as a batch of one: `[1, 3, T, S, S]`.
    public func clip(_ frames: [RGBImage]) -> Tensor {
        let x = tensor(frames)
        return x.reshaped([1] + x.shape)
    }
}
