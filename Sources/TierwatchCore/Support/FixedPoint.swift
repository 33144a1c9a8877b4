/// Exact, locale-free decimal formatting of rational values.
///
/// Every figure in a report is a ratio of integers (counts, sums in micro-units). Dividing
/// in floating point and printing would make "exactly as defined" depend on binary
/// rounding; instead the rational value is rounded half away from zero with integer
/// arithmetic, so the same inputs always print the same digits on every machine.
package enum FixedPoint {
    /// Formats `numerator / denominator` with `scale` fractional digits, or `""` when the
    /// denominator is zero (a missing value, never NaN or 0).
    package static func ratio(_ numerator: Int64, _ denominator: Int64, scale: Int) -> String {
        guard denominator != 0 else { return "" }
        let negative = (numerator < 0) != (denominator < 0) && numerator != 0
        let n = UInt64(numerator.magnitude)
        let d = UInt64(denominator.magnitude)
        let factor = pow10(scale)
        // n * factor can overflow for large sums; use 128-bit arithmetic.
        let (high, low) = n.multipliedFullWidth(by: factor)
        let (q, r) = d.dividingFullWidth((high, low))
        // Round half away from zero: compare 2r with d without overflow.
        let rounded = r >= d - r ? q + 1 : q
        return render(rounded, scale: scale, negative: negative && rounded != 0)
    }

    /// Formats `numerator / denominator` multiplied by `multiplier` (e.g. 100 for percent).
    package static func ratio(
        _ numerator: Int64, _ denominator: Int64, times multiplier: Int64, scale: Int
    ) -> String {
        ratio(numerator * multiplier, denominator, scale: scale)
    }

    /// Formats a fixed-point amount stored in units of 10^-`storedScale` with `scale` digits.
    package static func amount(_ units: Int64, storedScale: Int, scale: Int) -> String {
        if scale >= storedScale {
            return render(
                UInt64(units.magnitude) * pow10(scale - storedScale), scale: scale,
                negative: units < 0)
        }
        return ratio(units, Int64(pow10(storedScale)), scale: scale)
    }

    /// Formats a whole number with no separators.
    package static func integer(_ value: Int64) -> String { String(value) }

    /// Rounds `units * numerator / denominator` half away from zero (used for currency
    /// conversion at fixed rates), in the same stored scale.
    package static func scale(_ units: Int64, by numerator: Int64, over denominator: Int64) -> Int64 {
        precondition(denominator > 0, "denominator must be positive")
        let negative = (units < 0) != (numerator < 0)
        let (high, low) = UInt64(units.magnitude).multipliedFullWidth(by: UInt64(numerator.magnitude))
        let (q, r) = UInt64(denominator).dividingFullWidth((high, low))
        let rounded = r >= UInt64(denominator) - r ? q + 1 : q
        return negative ? -Int64(rounded) : Int64(rounded)
    }

    package static func pow10(_ exponent: Int) -> UInt64 {
        var result: UInt64 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    private static func render(_ value: UInt64, scale: Int, negative: Bool) -> String {
        var digits = String(value)
        if scale > 0 {
            if digits.count <= scale {
                digits = String(repeating: "0", count: scale - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return negative ? "-" + digits : digits
    }
}
