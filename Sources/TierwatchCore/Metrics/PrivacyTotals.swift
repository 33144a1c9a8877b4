/// Consent cross-check figures of one tier or jurisdiction (or all).
package struct PrivacyTotals: Sendable {
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

    /// Adds one use with its violations.
    @inline(__always)
    package mutating func add(checked: Bool, violations: [Violation]) {
        uses += 1
        if checked { checkedUses += 1 }
        if !violations.isEmpty {
            violatingUses += 1
            if checked { violatingCheckedUses += 1 }
            self.violations += Int64(violations.count)
            for violation in violations { byRule[violation.rule.rawValue] += 1 }
        }
    }
}
