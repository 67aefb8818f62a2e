import Foundation

/// A frame rate as a rational (frames per second = numerator / denominator), e.g. 25/1, 30000/1001.
///
/// Rational because the NTSC rates (30000/1001 ≈ 29.97) have no exact decimal form, and the
/// edit-list formats write time as whole frames or as exact fractions of a second.
public struct FrameRate: Sendable, Equatable, Codable {
    public var numerator: Int
    public var denominator: Int

    public init(numerator: Int, denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Snaps a measured fps to the common rates (23.976 → 24000/1001, 29.97 → 30000/1001,
    /// 59.94 → 60000/1001, integers → n/1) within 0.01; else rounds to 1/1000 precision
    /// (12.5 → 25/2). Non-finite or ≤ 0 → 25/1, and so is anything over a million fps, which
    /// no container means (it is a misread time base).
    public init(fps: Double) {
        guard fps.isFinite, fps > 0, fps <= 1_000_000 else {
            self.init(numerator: 25, denominator: 1)
            return
        }
        // Containers store these rates as approximations (29.97, 29.970029…); editors expect
        // the exact NTSC rationals.
        for ntsc in [24000, 30000, 60000] where abs(fps - Double(ntsc) / 1001) <= 0.01 {
            self.init(numerator: ntsc, denominator: 1001)
            return
        }
        let whole = fps.rounded()
        if abs(fps - whole) <= 0.01, whole >= 1 {
            self.init(numerator: Int(whole), denominator: 1)
            return
        }
        // At least 1/1000 fps, so a very slow rate does not round to zero.
        let thousandths = max(1, Int((fps * 1000).rounded()))
        let common = Self.gcd(thousandths, 1000)
        self.init(numerator: thousandths / common, denominator: 1000 / common)
    }

    /// Frames per second.
    public var fps: Double { Double(numerator) / Double(denominator) }

    /// Both parts positive: a rate the writers can count frames with.
    var isValid: Bool { numerator > 0 && denominator > 0 }

    /// The timecode base of this rate: frames per timecode second (30 for 30000/1001).
    var timecodeBase: Int { max(1, Int(fps.rounded())) }

    /// The same rate with the fraction reduced (50/2 → 25/1), so equal rates compare equal.
    var reduced: FrameRate {
        let common = Self.gcd(numerator, denominator)
        guard common > 1 else { return self }
        return FrameRate(numerator: numerator / common, denominator: denominator / common)
    }

    /// `"25/1"`, `"30000/1001"`.
    var text: String { "\(numerator)/\(denominator)" }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (abs(a), abs(b))
        while y != 0 { (x, y) = (y, x % y) }
        return max(x, 1)
    }
}
