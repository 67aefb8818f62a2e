import Foundation

/// Bit-exact conversions between Float32 and the 16-bit float formats.
///
/// Written out rather than using `Float16` so that they behave the same on every platform
/// (Swift has no `Float16` on macOS x86_64). Narrowing rounds to nearest, ties to even;
/// NaN stays NaN (quieted), ±Inf and ±0 are preserved, overflow goes to ±Inf.
public enum HalfConversion {
    /// binary16 bits → Float (exact).
    @inline(__always)
    public static func float(fromHalf h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            // Zero or subnormal: mant × 2⁻²⁴, exactly representable in binary32.
            let magnitude = Float(mant) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exp == 0x1F {
            return Float(bitPattern: sign | 0x7F80_0000 | mant << 13)  // Inf or NaN (payload kept)
        }
        return Float(bitPattern: sign | (exp + 112) << 23 | mant << 13)  // rebias 15 → 127
    }

    /// Float → binary16 bits, round to nearest, ties to even.
    @inline(__always)
    public static func half(from f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exp = Int((bits >> 23) & 0xFF)
        let mant = bits & 0x7F_FFFF
        if exp == 0xFF {
            return mant == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(mant >> 13)  // Inf, quiet NaN
        }
        let e = exp - 127 + 15  // rebiased exponent
        if e >= 0x1F { return sign | 0x7C00 }  // too large: Inf
        if e <= 0 {
            // Result is subnormal (or zero): significand × 2^(exp−150) in units of 2⁻²⁴.
            let shift = 14 - e
            if shift > 24 { return sign }  // below half the smallest subnormal
            let m = mant | 0x80_0000
            return sign | UInt16(roundShift(m, by: shift))  // may round up into the smallest normal
        }
        // Normal: drop 13 mantissa bits; a carry correctly bumps the exponent (up to Inf).
        let rounded = roundShift(UInt32(e) << 23 | mant, by: 13)
        return sign | UInt16(rounded)
    }

    /// bfloat16 bits → Float (exact).
    @inline(__always)
    public static func float(fromBFloat16 b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    /// Float → bfloat16 bits, round to nearest, ties to even.
    @inline(__always)
    public static func bfloat16(from f: Float) -> UInt16 {
        let bits = f.bitPattern
        if f.isNaN { return UInt16(bits >> 16) | 0x0040 }  // keep sign, force quiet
        let bias: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ bias) >> 16)  // cannot wrap: the largest finite input rounds to Inf
    }

    /// `value >> shift`, rounded to nearest with ties to even. `shift` is 1…31.
    @inline(__always)
    private static func roundShift(_ value: UInt32, by shift: Int) -> UInt32 {
        let kept = value >> UInt32(shift)
        let rest = value & ((1 << UInt32(shift)) - 1)
        let half: UInt32 = 1 << UInt32(shift - 1)
        return (rest > half || (rest == half && kept & 1 == 1)) ? kept + 1 : kept
    }
}
