/// The uplift test of one group (a tier or a campaign), as every writer shows it.
package struct UpliftRow: Sendable {
    package var counts: UpliftCounts
    /// The lift, or nil when a group is below the minimum size, has fewer than k converters,
    /// or is suppressed (see `UpliftReport`).
    package var estimate: LiftEstimate?
    /// Benjamini–Hochberg adjusted p-value among the groups of the same kind with an estimate.
    package var qValue: Double?
    /// The sample-ratio check, when the job sets `expected_holdout_share` and there is a control group.
    package var sampleRatio: SampleRatioCheck?
    /// The whole row describes fewer than k subjects and is hidden.
    package var suppressed: Bool
    /// Treated subjects (reach) hidden in the metric tables.
    package var treatedHidden: Bool
    /// Control subjects 1…k−1.
    package var controlHidden: Bool
    package var treatedConvertersHidden: Bool
    package var controlConvertersHidden: Bool

    /// Significant at the false-discovery rate after Benjamini–Hochberg.
    package var discovery: Bool { (qValue ?? 1) <= UpliftStatistics.falseDiscoveryRate }
}

/// Uplift per tier and per campaign with a holdout: treated = subjects with a `delivered`
/// event, control = subjects with a `holdout` event, rate = share of the group with at
/// least one conversion in the period.
package struct UpliftReport: Sendable {
    /// The five tiers in pyramid order.
    package var tiers: [UpliftRow]
    /// Campaign index → row, for campaigns with at least one control subject.
    package var campaigns: [Int: UpliftRow]

    package init(figures: RunFigures, job: JobDefinition, suppression: Suppression) {
        func row(_ totals: EngagementTotals, suppressed: Bool, reachHidden: Bool) -> UpliftRow {
            let counts = UpliftCounts(totals)
            let k = max(suppression.k, 1)
            let treatedConvertersHidden = suppressed || (counts.treatedConverters > 0 && counts.treatedConverters < k)
            let controlConvertersHidden = suppressed || (counts.controlConverters > 0 && counts.controlConverters < k)
            let minimum = Int64(job.minimumGroupSize)
            // A lift from fewer than k converters would let a reader work a hidden count back
            // out (pc = pt / (1 + lift)); it is also too few to estimate anything.
            let controlHidden = suppressed || (counts.control > 0 && counts.control < k)
            let enough = !suppressed && !reachHidden && !controlHidden && counts.treated >= minimum && counts.control >= minimum
                && counts.treatedConverters >= k && counts.controlConverters >= k
            let ratio = job.expectedHoldoutShare.flatMap { share in
                counts.control > 0 && !suppressed
                    ? UpliftStatistics.sampleRatio(treated: counts.treated, control: counts.control, expectedControlShare: share) : nil
            }
            return UpliftRow(
                counts: counts, estimate: enough ? UpliftStatistics.lift(counts) : nil, qValue: nil, sampleRatio: ratio,
                suppressed: suppressed, treatedHidden: suppressed || reachHidden,
                controlHidden: controlHidden, treatedConvertersHidden: treatedConvertersHidden,
                controlConvertersHidden: controlConvertersHidden)
        }
        tiers = Tier.allCases.map { row(figures.engagement[$0.rawValue], suppressed: suppression.tierRows[$0.rawValue], reachHidden: suppression.tierReach[$0.rawValue]) }
        var campaigns: [Int: UpliftRow] = [:]
        for index in figures.campaignIDs.indices {
            let totals = figures.engagement[EngagementAccumulator.group(campaign: Int32(index))]
            guard totals.controlSubjects > 0 else { continue }
            campaigns[index] = row(
                totals, suppressed: suppression.campaignRows.contains(index), reachHidden: suppression.campaignReach.contains(index))
        }
        Self.adjust(&tiers)
        var campaignRows = campaigns.keys.sorted().map { campaigns[$0]! }
        Self.adjust(&campaignRows)
        for (offset, index) in campaigns.keys.sorted().enumerated() { campaigns[index] = campaignRows[offset] }
        self.campaigns = campaigns
    }

    /// Sets Benjamini–Hochberg q-values across the rows that have an estimate.
    private static func adjust(_ rows: inout [UpliftRow]) {
        let tested = rows.indices.filter { rows[$0].estimate != nil }
        let q = UpliftStatistics.benjaminiHochberg(tested.map { rows[$0].estimate!.pValue })
        for (offset, index) in tested.enumerated() { rows[index].qValue = q[offset] }
    }

    /// Rows with an estimate: when more than one, the report says the p-values are adjusted.
    package var testedTiers: Int { tiers.filter { $0.estimate != nil }.count }
}

/// Locale-free formatting of floating-point statistics (counts and rates from input are
/// exact rationals and go through `FixedPoint`; these are results of `log`/`exp`/`erfc`).
package enum Decimals {
    /// `value` rounded half away from zero to `scale` digits, or "" when not finite.
    package static func fixed(_ value: Double, scale: Int) -> String {
        guard value.isFinite else { return "" }
        let scaled = (value * Double(FixedPoint.pow10(scale))).rounded(.toNearestOrAwayFromZero)
        guard abs(scaled) < 9e18 else { return "" }
        return FixedPoint.amount(Int64(scaled), storedScale: scale, scale: scale)
    }

    /// A signed percentage of a fraction (0.381 → "+38.1%").
    package static func signedPercent(_ fraction: Double, scale: Int = 1) -> String {
        let text = fixed(fraction * 100, scale: scale)
        return (text.hasPrefix("-") || Double(text) == 0 ? text : "+" + text) + "%"
    }

    /// A p-value: six decimals, or "<0.000001".
    package static func pValue(_ p: Double) -> String {
        p < 0.000_000_5 ? "<0.000001" : fixed(p, scale: 6)
    }
}
