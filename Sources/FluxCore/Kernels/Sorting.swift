// Deterministic ranking of Float scores: stable argsort and top-k.
//
// Order rule (MODEL_SPEC §2.4 step 6): descending by value, ties → lower index first, i.e.
// `np.argsort(-x, kind='stable')`. −0.0 and +0.0 tie. NaN sorts last (after −∞) in both
// directions, NaNs among themselves by index — again what NumPy's stable argsort gives for
// `-x` (descending) and `x` (ascending).
//
// Implementation: each element becomes one UInt64 key, (order-preserving 32-bit image of the
// value) << 32 | index, so the keys are unique and a plain ascending sort of the keys *is*
// the stable order, whatever algorithm sorts them. Top-k keeps the k smallest keys in a
// max-heap (O(n log k)), so it returns exactly the first k entries of the full argsort.
// Indices must fit in 32 bits (n < 2³²).

/// Stable argsort and top-k over Float scores. See the file header for the order rule.
///
/// ```swift
/// Sorting.argsortDescending([0.5, 2, 0.5, 1])   // [1, 3, 0, 2]
/// Sorting.topK([0.5, 2, 0.5, 1], k: 3)           // [1, 3, 0]
/// ```
public enum Sorting {
    // MARK: - Keys

    /// Maps a Float to a UInt32 whose unsigned order is the ascending order of the values;
    /// −0.0 maps like +0.0 and every NaN maps to `UInt32.max` (last).
    @inline(__always)
    static func ascendingKey(_ v: Float) -> UInt32 {
        if v.isNaN { return .max }
        let bits = (v == 0 ? Float(0) : v).bitPattern
        return bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    /// As ``ascendingKey(_:)`` but for descending order; NaN is still `UInt32.max` (last).
    @inline(__always)
    static func descendingKey(_ v: Float) -> UInt32 {
        v.isNaN ? .max : ~ascendingKey(v)
    }

    @inline(__always)
    static func keys(_ v: UnsafeBufferPointer<Float>, descending: Bool) -> [UInt64] {
        precondition(v.count <= Int(UInt32.max), "Sorting: \(v.count) elements exceed the 32-bit index range")
        return [UInt64](unsafeUninitializedCapacity: v.count) { buf, n in
            if descending {
                for i in 0..<v.count { buf[i] = UInt64(descendingKey(v[i])) << 32 | UInt64(i) }
            } else {
                for i in 0..<v.count { buf[i] = UInt64(ascendingKey(v[i])) << 32 | UInt64(i) }
            }
            n = v.count
        }
    }

    // MARK: - Full argsort

    /// Indices that order `v` by decreasing value; ties keep the lower index first, NaN last.
    /// Same as `np.argsort(-v, kind='stable')`.
    public static func argsortDescending(_ v: UnsafeBufferPointer<Float>) -> [Int] {
        var k = keys(v, descending: true)
        k.sort()
        return k.map { Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: $0)) }
    }

    /// Indices that order `v` by increasing value; ties keep the lower index first, NaN last.
    /// Same as `np.argsort(v, kind='stable')`.
    public static func argsortAscending(_ v: UnsafeBufferPointer<Float>) -> [Int] {
        var k = keys(v, descending: false)
        k.sort()
        return k.map { Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: $0)) }
    }

    public static func argsortDescending(_ v: [Float]) -> [Int] {
        v.withUnsafeBufferPointer { argsortDescending($0) }
    }

    public static func argsortAscending(_ v: [Float]) -> [Int] {
        v.withUnsafeBufferPointer { argsortAscending($0) }
    }

    // MARK: - Top-k

    /// The indices of the `k` largest values, largest first — exactly the first
    /// `min(k, n)` entries of ``argsortDescending(_:)-([Float])`` (ties → lower index, NaN last).
    /// O(n log k). `k ≤ 0` or empty input gives `[]`.
    public static func topK(_ v: UnsafeBufferPointer<Float>, k: Int) -> [Int] {
        select(v, k: k, descending: true)
    }

    /// The indices of the `k` smallest values, smallest first — the first `min(k, n)` entries
    /// of ``argsortAscending(_:)-([Float])``.
    public static func bottomK(_ v: UnsafeBufferPointer<Float>, k: Int) -> [Int] {
        select(v, k: k, descending: false)
    }

    public static func topK(_ v: [Float], k: Int) -> [Int] {
        v.withUnsafeBufferPointer { topK($0, k: k) }
    }

    public static func bottomK(_ v: [Float], k: Int) -> [Int] {
        v.withUnsafeBufferPointer { bottomK($0, k: k) }
    }

    /// The `k` smallest keys, via a bounded max-heap; full sort when k is a large fraction of n.
    static func select(_ v: UnsafeBufferPointer<Float>, k: Int, descending: Bool) -> [Int] {
        let n = v.count
        guard k > 0, n > 0 else { return [] }
        if k >= n / 4 {
            let all = descending ? argsortDescending(v) : argsortAscending(v)
            return Array(all.prefix(k))
        }
        precondition(n <= Int(UInt32.max), "Sorting: \(n) elements exceed the 32-bit index range")
        @inline(__always) func key(_ i: Int) -> UInt64 {
            UInt64(descending ? descendingKey(v[i]) : ascendingKey(v[i])) << 32 | UInt64(i)
        }
        var heap = [UInt64](unsafeUninitializedCapacity: k) { buf, c in
            for i in 0..<k { buf[i] = key(i) }
            c = k
        }
        heap.withUnsafeMutableBufferPointer { h in
            // Build a max-heap over the first k keys.
            var i = k / 2 - 1
            while i >= 0 { siftDown(h, from: i, count: k); i -= 1 }
            for j in k..<n {
                let kj = key(j)
                if kj < h[0] { h[0] = kj; siftDown(h, from: 0, count: k) }
            }
        }
        heap.sort()
        return heap.map { Int(truncatingIfNeeded: UInt32(truncatingIfNeeded: $0)) }
    }

    @inline(__always)
    static func siftDown(_ h: UnsafeMutableBufferPointer<UInt64>, from start: Int, count: Int) {
        var i = start
        let x = h[i]
        while true {
            var c = 2 * i + 1
            if c >= count { break }
            if c + 1 < count && h[c + 1] > h[c] { c += 1 }
            if h[c] <= x { break }
            h[i] = h[c]
            i = c
        }
        h[i] = x
    }
}
