import Foundation

/// The `bench kernels` suite: the GEMM shapes a ViT-S/14 and ViT-B/14 block runs at 1024
/// tokens, and the attention kernel, each as a fraction of one large square sgemm's rate.
///
/// Rates are GFLOP/s with FLOPs = 2 × multiply-accumulates, from the best of the repetitions
/// (the least disturbed run on a shared machine); medians are reported alongside.
public struct KernelBenchmark {
    /// One measured kernel.
    public struct Result: Codable, Equatable, Sendable {
        /// What ran, e.g. "ViT-S fc1 1025x384 · 384x1536".
        public let name: String
        /// Floating-point operations per run (2 × MACs).
        public let flops: Double
        public let timing: TimingSummary
        /// GFLOP/s at the best time.
        public var gflops: Double { flops / timing.best / 1e9 }
    }

    /// A full report: the peak reference and every kernel.
    public struct Report: Codable, Sendable {
        public let peak: Result
        public let kernels: [Result]
        public let blasThreads: Int
        public let blasCore: String
        /// Kernel rate / peak rate, in the order of `kernels`.
        public var fractions: [Double] { kernels.map { $0.gflops / peak.gflops } }
    }

    /// Tokens per sequence (1024 patches + class token).
    public var tokens = 1025
    /// Side of the square sgemm used as the peak reference.
    public var peakSize = 2048
    public var repetitions = 5

    public init() {}

    /// Measures only the square sgemm used as the peak reference.
    public func measurePeak() -> Result {
        measureGEMM(name: "peak sgemm \(peakSize)x\(peakSize)x\(peakSize)", m: peakSize, k: peakSize, n: peakSize)
    }

    /// Runs every kernel; `progress` receives each result as it finishes.
    public func run(progress: (Result) -> Void = { _ in }) -> Report {
        let peak = measurePeak()
        progress(peak)
        var results: [Result] = []
        for (arch, width, heads) in [("ViT-S", 384, 6), ("ViT-B", 768, 12)] {
            for (label, inDim, outDim) in [("qkv", width, 3 * width), ("proj", width, width),
                                           ("fc1", width, 4 * width), ("fc2", 4 * width, width)] {
                let r = measureGEMM(name: "\(arch) \(label) \(tokens)x\(inDim) · \(inDim)x\(outDim)",
                                    m: tokens, k: inDim, n: outDim, weightTransposed: true)
                results.append(r); progress(r)
            }
            let r = measureAttention(name: "\(arch) attention \(tokens) tok × \(heads) heads × 64", heads: heads, headDim: 64)
            results.append(r); progress(r)
        }
        return Report(peak: peak, kernels: results, blasThreads: ThreadPolicy.currentBLASThreads,
                      blasCore: ThreadPolicy.blasCoreName)
    }

    /// C[m,n] = A[m,k] · B, with B stored [n,k] (an nn.Linear weight) when `weightTransposed`.
    func measureGEMM(name: String, m: Int, k: Int, n: Int, weightTransposed: Bool = false) -> Result {
        let a = Self.random([m, k], seed: 1), b = Self.random(weightTransposed ? [n, k] : [k, n], seed: 2)
        let c = Tensor(zeros: [m, n])
        let samples = Timing.measure(repetitions: repetitions) {
            GEMM.multiply(MatrixRef(a), MatrixRef(b), transposeB: weightTransposed, into: MutableMatrixRef(c))
        }
        return Result(name: name, flops: 2 * Double(m) * Double(k) * Double(n), timing: TimingSummary(samples))
    }

    /// Self-attention over `tokens` with q, k, v as column blocks of a packed [N, 3C] buffer.
    func measureAttention(name: String, heads: Int, headDim: Int) -> Result {
        let c = heads * headDim
        let qkv = Self.random([tokens, 3 * c], seed: 3)
        let out = Tensor(zeros: [tokens, c])
        let views = (0..<3).map { MatrixRef(qkv.data + $0 * c, rows: tokens, cols: c, rowStride: 3 * c) }
        let samples = Timing.measure(repetitions: repetitions) {
            Attention.multiHead(q: views[0], k: views[1], v: views[2], heads: heads,
                                scale: 1 / Float(headDim).squareRoot(), out: MutableMatrixRef(out))
        }
        // QKᵀ and P·V: 2 · (2 · N² · D) per head.
        let flops = 4 * Double(tokens) * Double(tokens) * Double(headDim) * Double(heads)
        return Result(name: name, flops: flops, timing: TimingSummary(samples))
    }

    /// A tensor of deterministic pseudo-random values in [−1, 1].
    public static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        let t = Tensor(zeros: shape)
        var s = seed &* 0x9E37_79B9_7F4A_7C15
        for i in 0..<t.count {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            t.data[i] = Float(Int32(truncatingIfNeeded: s >> 32)) / Float(Int32.max)
        }
        return t
    }
}
