/// Consent cross-check figures of one tier or jurisdiction (or all).
package struct PrivacyTotals: Sendable, Codable {
    package var uses: Int64 = 0
    package var checkedUses: Int64 = 0
    package var violatingUses: Int64 = 0
    /// Checked uses with at least one violation: the numerator of the coverage gap.
    package var violatingCheckedUses: Int64 = 0
    package var violations: Int64 = 0
    /// Violations per rule, indexed by `ConsentRule.rawValue`.
    package var byRule: [Int64] = Array(repeating: 0, count: ConsentRule.allCases.count)

    package init() {}

    /// Adds another part's totals.
    package mutating func add(_ other: PrivacyTotals) {
        uses += other.uses
        checkedUses += other.checkedUses
        violatingUses += other.violatingUses
        violatingCheckedUses += other.violatingCheckedUses
        violations += other.violations
        for rule in byRule.indices { byRule[rule] += other.byRule[rule] }
    }
}

/// How many uses, and checked uses, fell in each (tier, jurisdiction) cell, and how many of
/// them broke rules, with their violations per rule.
///
/// Every event with a subject is a use: counting it is one increment of one cell here,
/// where adding it to the four totals it belongs to (its tier, all tiers, its jurisdiction,
/// all jurisdictions) cost four array writes, each with its copy-on-write check. The totals
/// are folded from the cells once, at the end of a part.
package final class UseCounts {
    private let jurisdictions: Int
    private let cells: UnsafeMutablePointer<Int64>
    private let cellCount: Int
    /// Per cell: violating uses, violating checked uses, violations, then one per rule.
    private let violating: UnsafeMutablePointer<Int64>
    private static let violatingWidth = 3 + ConsentRule.allCases.count

    package init(jurisdictions: Int) {
        self.jurisdictions = jurisdictions
        cellCount = Tier.allCases.count * jurisdictions * 2
        cells = .allocate(capacity: cellCount)
        cells.initialize(repeating: 0, count: cellCount)
        let violatingCount = Tier.allCases.count * jurisdictions * Self.violatingWidth
        violating = .allocate(capacity: violatingCount)
        violating.initialize(repeating: 0, count: violatingCount)
    }

    deinit {
        cells.deallocate()
        violating.deallocate()
    }

    @inline(__always)
    package func count(tier: Tier, jurisdiction: Int, checked: Bool) {
        cells[(tier.rawValue * jurisdictions + jurisdiction) << 1 | (checked ? 1 : 0)] &+= 1
    }

    /// Counts one use that broke at least one rule (besides ``count(tier:jurisdiction:checked:)``).
    /// One cell here, where the four totals it belongs to were four array elements, each with
    /// its copy-on-write check and a second one for its per-rule array.
    @inline(__always)
    package func countViolating(tier: Tier, jurisdiction: Int, checked: Bool, violations: UnsafeBufferPointer<Violation>) {
        let cell = violating + (tier.rawValue * jurisdictions + jurisdiction) * Self.violatingWidth
        cell[0] &+= 1
        if checked { cell[1] &+= 1 }
        cell[2] &+= Int64(violations.count)
        for index in violations.indices { cell[3 + violations[index].rule.rawValue] &+= 1 }
    }

    /// Adds the cells to per-tier and per-jurisdiction totals; the last element of each
    /// array is the total over all tiers or all jurisdictions.
    package func fold(byTier: inout [PrivacyTotals], byJurisdiction: inout [PrivacyTotals]) {
        for tier in Tier.allCases {
            for jurisdiction in 0..<jurisdictions {
                let cell = (tier.rawValue * jurisdictions + jurisdiction) << 1
                let uses = cells[cell] + cells[cell + 1], checked = cells[cell + 1]
                for index in [tier.rawValue, byTier.count - 1] {
                    byTier[index].uses += uses
                    byTier[index].checkedUses += checked
                }
                for index in [jurisdiction, byJurisdiction.count - 1] {
                    byJurisdiction[index].uses += uses
                    byJurisdiction[index].checkedUses += checked
                }
                let counts = violating + (tier.rawValue * jurisdictions + jurisdiction) * Self.violatingWidth
                func addViolating(_ totals: inout PrivacyTotals) {
                    totals.violatingUses += counts[0]
                    totals.violatingCheckedUses += counts[1]
                    totals.violations += counts[2]
                    for rule in totals.byRule.indices { totals.byRule[rule] += counts[3 + rule] }
                }
                addViolating(&byTier[tier.rawValue])
                addViolating(&byTier[byTier.count - 1])
                addViolating(&byJurisdiction[jurisdiction])
                addViolating(&byJurisdiction[byJurisdiction.count - 1])
            }
        }
    }
}
