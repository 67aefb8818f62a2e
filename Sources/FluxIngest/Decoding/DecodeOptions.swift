/// Knobs for ``VideoDecoder``. The defaults suit indexing: one decoder thread (the pipeline
/// runs decoding beside the encoder on other cores), a 120 s limit per call, and frames above
/// 1280×720 pixels downscaled inside libswscale before anything else touches them.
public struct DecodeOptions: Sendable, Equatable, Codable {
    /// Decoder threads (libavcodec `thread_count`); 0 lets libavcodec choose. Measured on the
    /// 2-vCPU build machine: no gain above 1 (BUILD_NOTES §3).
    public var threads: Int
    /// Wall-clock limit, in seconds, for opening a file and for each call that returns frames.
    /// Blocking I/O is interrupted (AVIOInterruptCB) and the decode loop stops with
    /// ``DecodeError/timedOut(path:seconds:)``. nil means no limit.
    public var timeLimit: Double?
    /// Early scaling: a decoded frame with more than this many pixels is reduced by libswscale
    /// (area filter, aspect kept, even sides) during its RGB conversion, so 4K and 10-bit
    /// sources never exist as full-size RGB. nil converts at the native size, which is what
    /// decord does and what the parity evaluation needs. Default 1280×720 = 921 600 pixels:
    /// the eval datasets (MSRVTT 320×240, DiDeMo ≤ 720p) stay bit-faithful.
    public var maxPixels: Int?
    /// Turn frames upright according to the stream's display matrix (phone videos).
    public var applyRotation: Bool

    public init(threads: Int = 1, timeLimit: Double? = 120, maxPixels: Int? = 1280 * 720,
                applyRotation: Bool = true) {
        self.threads = threads
        self.timeLimit = timeLimit
        self.maxPixels = maxPixels
        self.applyRotation = applyRotation
    }

    /// Native-size RGB, as decord delivers it (for parity runs).
    public static let native = DecodeOptions(maxPixels: nil)
}
