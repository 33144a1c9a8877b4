/// Small-cell suppression: which figures of a run are shown as "<k" because they describe
/// fewer than `k` subjects, in every writer (CSV and HTML) alike.
///
/// Primary suppression hides a count of subjects from 1 to k−1 (zero describes nobody and
/// is shown). Complementary suppression then makes sure no hidden count can be recovered
/// by subtraction: wherever parts add up to a shown total (the five tiers and `all`), a
/// column never has exactly one hidden part — a second part is hidden (the smallest
/// non-zero one), or the total when there is no other part to hide. Figures derived from a
/// hidden count (its rates, means and percentages) are hidden with it.
package struct Suppression: Sendable {
    /// The threshold; 0 (or 1) hides nothing.
    package let k: Int64
    /// Tier rows (the five tiers, then `all`) of `metrics_by_tier.csv` hidden whole: the
    /// row's subjects (reach, engaged or control subjects, whichever is largest) are 1…k−1.
    package private(set) var tierRows: [Bool]
    /// Tier rows whose `reach` (and `engagement_rate`) is hidden.
    package private(set) var tierReach: [Bool]
    /// Tier rows whose `engaged` (and `engagement_rate`) is hidden.
    package private(set) var tierEngaged: [Bool]
    /// Campaign indexes whose row in `metrics_by_campaign.csv` is hidden whole.
    package private(set) var campaignRows: Set<Int>
    /// Campaign indexes whose `reach` (and `engagement_rate`) is hidden.
    package private(set) var campaignReach: Set<Int>
    /// Campaign indexes whose `engaged` (and `engagement_rate`) is hidden.
    package private(set) var campaignEngaged: Set<Int>
    /// Survey rows hidden whole (responses 1…k−1), then per answered question.
    package private(set) var surveyRows: [Bool]
    package private(set) var surveyCSAT: [Bool]
    package private(set) var surveyNPS: [Bool]
    package private(set) var surveyIntrusive: [Bool]

    /// What a hidden figure shows instead.
    package var marker: String { "<\(k)" }

    /// Subjects a group's figures describe: a lower bound on its distinct people.
    package static func subjects(_ totals: EngagementTotals) -> Int64 {
        max(totals.reach, totals.engaged, totals.controlSubjects)
    }

    package init(figures: RunFigures, k: Int) {
        self.k = Int64(k)
        let tiers = Tier.allCases.count
        let rows = (0...tiers).map { figures.engagement[$0] }
        let k = self.k
        tierRows = Self.protect(rows.map(Self.subjects), k: k)
        tierReach = Self.protect(rows.map(\.reach), k: k, hidden: tierRows)
        tierEngaged = Self.protect(rows.map(\.engaged), k: k, hidden: tierRows)

        // Campaign rows: complementary within campaigns of the same tiers, whose event
        // figures add up to that tier's row.
        var hiddenCampaigns = Set<Int>(), hiddenReach = Set<Int>(), hiddenEngaged = Set<Int>()
        var byTiers: [UInt8: [Int]] = [:]
        for index in figures.campaignIDs.indices { byTiers[figures.campaignTiers[index], default: []].append(index) }
        for members in byTiers.values.map({ $0.sorted() }) {
            let totals = members.map { figures.engagement[EngagementAccumulator.group(campaign: Int32($0))] }
            let hidden = Self.protect(totals.map(Self.subjects) + [Int64.max], k: k)
            let reach = Self.protect(totals.map(\.reach) + [Int64.max], k: k, hidden: hidden)
            let engaged = Self.protect(totals.map(\.engaged) + [Int64.max], k: k, hidden: hidden)
            for (offset, index) in members.enumerated() {
                if hidden[offset] { hiddenCampaigns.insert(index) }
                if reach[offset] { hiddenReach.insert(index) }
                if engaged[offset] { hiddenEngaged.insert(index) }
            }
        }
        campaignRows = hiddenCampaigns
        campaignReach = hiddenReach
        campaignEngaged = hiddenEngaged

        let surveys = (0...tiers).map { figures.surveys[$0] }
        surveyRows = Self.protect(surveys.map(\.responses), k: k)
        surveyCSAT = Self.protect(surveys.map(\.csatResponses), k: k, hidden: surveyRows)
        surveyNPS = Self.protect(surveys.map(\.npsResponses), k: k, hidden: surveyRows)
        surveyIntrusive = Self.protect(surveys.map(\.intrusiveResponses), k: k, hidden: surveyRows)
    }

    /// Hidden flags for parts followed by their total (the last value).
    ///
    /// `hidden` marks cells already hidden for another reason (their row is hidden); they
    /// count as hidden parts for the complementary step.
    package static func protect(_ values: [Int64], k: Int64, hidden already: [Bool]? = nil) -> [Bool] {
        var hidden = values.enumerated().map { index, value in (already?[index] ?? false) || (value > 0 && value < k) }
        guard k > 1, values.count >= 2 else { return hidden }
        let total = values.count - 1
        let parts = 0..<total
        if hidden[total] { return hidden }
        if parts.filter({ hidden[$0] }).count == 1 {
            let candidates = parts.filter { !hidden[$0] && values[$0] > 0 }
            if let partner = candidates.min(by: { (values[$0], $0) < (values[$1], $1) }) {
                hidden[partner] = true
            } else {
                hidden[total] = true
            }
        }
        return hidden
    }
}
