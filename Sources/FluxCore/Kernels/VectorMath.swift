import CFluxKernels

/// Elementwise helpers over contiguous Float32 buffers of `count` elements.
///
/// The loops are the AVX2/FMA kernels of CFluxKernels (flux_kernels.h); this type is their
/// Swift face. Call ``VectorMath/cpuSupported`` once at start-up on unknown hardware.
public enum VectorMath {
    /// Whether this CPU has the AVX2 and FMA instructions every kernel needs.
    public static var cpuSupported: Bool { fk_cpu_supported() != 0 }

    /// x ← eˣ. Relative error about 2e-7; below −87.34 the result is exactly 0.
    @inlinable public static func exp(_ x: UnsafeMutablePointer<Float>, count: Int) { fk_exp(x, count) }

    /// x ← e^(x − shift); returns Σ of the results.
    @inlinable public static func expShifted(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        fk_exp_shift_sum(x, count, shift)
    }

    /// Σ x.
    @inlinable public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float { fk_sum(x, count) }

    /// max x (−∞ when empty).
    @inlinable public static func max(_ x: UnsafePointer<Float>, count: Int) -> Float { fk_max(x, count) }

    /// Σ x².
    @inlinable public static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Float { fk_sum_squares(x, count) }

    /// Σ (x − mean)².
    @inlinable public static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, count: Int, mean: Float) -> Float {
        fk_sum_squared_deviations(x, count, mean)
    }

    /// x ← a·x.
    @inlinable public static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by a: Float) { fk_scale(x, count, a) }

    /// y ← y + x.
    @inlinable public static func add(_ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, count: Int) {
        fk_add(x, y, count)
    }

    /// y ← y + g ⊙ x (a LayerScale residual add).
    @inlinable public static func addScaled(_ x: UnsafePointer<Float>, gamma g: UnsafePointer<Float>,
                                            to y: UnsafeMutablePointer<Float>, count: Int) {
        fk_add_scaled(x, g, y, count)
    }

    /// x ← x ⊙ y.
    @inlinable public static func multiply(_ x: UnsafeMutablePointer<Float>, by y: UnsafePointer<Float>, count: Int) {
        fk_mul(x, y, count)
    }

    /// out ← (x − shift)·scale ⊙ weight + bias; weight and bias optional; out may equal x.
    @inlinable public static func affine(_ x: UnsafePointer<Float>, shift: Float, scale: Float,
                                         weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                                         out: UnsafeMutablePointer<Float>, count: Int) {
        fk_affine(x, shift, scale, weight, bias, out, count)
    }
}
