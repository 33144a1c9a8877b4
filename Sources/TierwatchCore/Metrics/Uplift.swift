import Glibc

/// Two groups of an uplift test: treated (subjects with a `delivered` event) and control
/// (subjects with a `holdout` event), each with the subjects who converted.
package struct UpliftCounts: Sendable, Equatable {
    package var treated: Int64
    package var treatedConverters: Int64
    package var control: Int64
    package var controlConverters: Int64

    package init(treated: Int64, treatedConverters: Int64, control: Int64, controlConverters: Int64) {
        self.treated = treated
        self.treatedConverters = treatedConverters
        self.control = control
        self.controlConverters = controlConverters
    }

    package init(_ totals: EngagementTotals) {
        self.init(
            treated: totals.reach, treatedConverters: totals.treatedConverters, control: totals.controlSubjects,
            controlConverters: totals.controlConverters)
    }
}

/// The relative conversion lift of treated over control with its 95% confidence interval.
package struct LiftEstimate: Sendable, Equatable {
    /// (pt − pc) / pc.
    package var lift: Double
    package var lower: Double
    package var upper: Double
    /// Two-sided p-value of "no lift" (the log ratio is 0).
    package var pValue: Double
}

/// Sample-ratio-mismatch check of the control share against the job's expected one.
package struct SampleRatioCheck: Sendable, Equatable {
    package var chiSquare: Double
    package var pValue: Double
    /// p < 0.001: the split is not what was planned, so the lift cannot be trusted.
    package var mismatch: Bool { pValue < UpliftStatistics.sampleRatioAlpha }
}

/// Uplift statistics: relative lift with a delta-method interval, a chi-square sample-ratio
/// test and Benjamini–Hochberg adjustment across several comparisons.
package enum UpliftStatistics {
    /// The 97.5% quantile of the standard normal distribution (two-sided 95% interval).
    package static let z975 = 1.959963984540054
    package static let sampleRatioAlpha = 0.001
    package static let falseDiscoveryRate = 0.05

    /// The relative lift (pt − pc)/pc with a 95% interval, or nil when it is not defined
    /// (an empty group, or no converters in a group: the log ratio has no variance then).
    ///
    /// The interval is the delta method on the log of the risk ratio RR = pt/pc (Katz,
    /// Baptista, Azen & Pike, Biometrics 34, 1978; the "log method" of Altman, Practical
    /// Statistics for Medical Research, §10.11):
    ///     Var(ln RR) ≈ (1 − pt)/(nt·pt) + (1 − pc)/(nc·pc) = 1/xt − 1/nt + 1/xc − 1/nc,
    ///     lift interval = exp(ln RR ± 1.96·SE) − 1.
    /// It is asymmetric around the lift, and never goes below −100%, unlike an interval
    /// on the ratio itself.
    package static func lift(_ counts: UpliftCounts) -> LiftEstimate? {
        let nt = Double(counts.treated), xt = Double(counts.treatedConverters)
        let nc = Double(counts.control), xc = Double(counts.controlConverters)
        guard nt > 0, nc > 0, xt > 0, xc > 0 else { return nil }
        let logRatio = log((xt / nt) / (xc / nc))
        let standardError = (1 / xt - 1 / nt + 1 / xc - 1 / nc).squareRoot()
        let half = z975 * standardError
        let p = standardError > 0 ? erfc(abs(logRatio / standardError) / 2.0.squareRoot()) : (logRatio == 0 ? 1 : 0)
        return LiftEstimate(lift: exp(logRatio) - 1, lower: exp(logRatio - half) - 1, upper: exp(logRatio + half) - 1, pValue: p)
    }

    /// Pearson's chi-square test (1 degree of freedom) of the observed treated/control split
    /// against `expectedControlShare`; nil when there is nothing to test.
    package static func sampleRatio(treated: Int64, control: Int64, expectedControlShare share: Double) -> SampleRatioCheck? {
        let total = Double(treated + control)
        guard total > 0, share > 0, share < 1 else { return nil }
        let expectedControl = total * share, expectedTreated = total * (1 - share)
        let dc = Double(control) - expectedControl, dt = Double(treated) - expectedTreated
        let statistic = dc * dc / expectedControl + dt * dt / expectedTreated
        return SampleRatioCheck(chiSquare: statistic, pValue: chiSquareSurvival1(statistic))
    }

    /// P(X ≥ x) for a chi-square variable with one degree of freedom.
    ///
    /// X = Z² for a standard normal Z, so P(X ≥ x) = P(|Z| ≥ √x) = erfc(√(x/2)).
    package static func chiSquareSurvival1(_ x: Double) -> Double {
        x <= 0 ? 1 : erfc((x / 2).squareRoot())
    }

    /// Benjamini–Hochberg adjusted p-values (q-values), in the order given.
    ///
    /// q(i) = min over j ≥ i of (m / j) · p(j), p sorted ascending, capped at 1 (Benjamini &
    /// Hochberg, JRSS B 57, 1995; the same as R's `p.adjust(method = "BH")`). A comparison
    /// is a discovery at false-discovery rate α when q ≤ α.
    package static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = Array(repeating: 1.0, count: m)
        var running = 1.0
        for rank in stride(from: m, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, pValues[index] * Double(m) / Double(rank))
            adjusted[index] = min(running, 1)
        }
        return adjusted
    }
}
