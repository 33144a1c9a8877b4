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

    /// Adds one use that broke at least one rule (plain uses are counted by ``UseCounts``).
    package mutating func addViolating(checked: Bool, violations: UnsafeBufferPointer<Violation>) {
        violatingUses += 1
        if checked { violatingCheckedUses += 1 }
        self.violations += Int64(violations.count)
        for violation in violations { byRule[violation.rule.rawValue] += 1 }
    }
}

/// How many uses, and checked uses, fell in each (tier, jurisdiction) cell.
///
/// Every event with a subject is a use: counting it is one increment of one cell here,
/// where adding it to the four totals it belongs to (its tier, all tiers, its jurisdiction,
/// all jurisdictions) cost four array writes, each with its copy-on-write check. The totals
/// are folded from the cells once, at the end of a part.
package final class UseCounts {
    private let jurisdictions: Int
    private let cells: UnsafeMutablePointer<Int64>
    private let cellCount: Int

    package init(jurisdictions: Int) {
        self.jurisdictions = jurisdictions
        cellCount = Tier.allCases.count * jurisdictions * 2
        cells = .allocate(capacity: cellCount)
        cells.initialize(repeating: 0, count: cellCount)
    }

    deinit { cells.deallocate() }

    @inline(__always)
    package func count(tier: Tier, jurisdiction: Int, checked: Bool) {
        cells[(tier.rawValue * jurisdictions + jurisdiction) << 1 | (checked ? 1 : 0)] &+= 1
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
            }
        }
    }
}
