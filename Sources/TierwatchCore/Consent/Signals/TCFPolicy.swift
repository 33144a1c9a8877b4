/// The TCF policy rules a well-formed TC string can still break.
///
/// TCF 2.2 (Policies v4, `TcfPolicyVersion` 4 and later; 2.3 is policy 5) removed
/// legitimate interest as a legal basis for purposes 3, 4, 5 and 6 (personalised
/// advertising and content profiles and their selection); purpose 1 (store or access
/// information on a device) never had it. A CMP that still signals it is emitting strings
/// no vendor may act on: Tierwatch refuses them as consent and counts them as a finding.
/// Strings of policy versions 2 and 3 (TCF 2.0/2.1) are judged by their own policy and are
/// not refused (the mapping still never lets 3-6 rest on legitimate interest).
extension TCString {
    /// One broken rule: a stable id, and a message naming the rule and the bits.
    package struct PolicyViolation: Sendable, Equatable {
        /// `tcf22.purpose_li`, `tcf22.restriction_li` or `tcf22.publisher_li`.
        package var rule: String
        package var message: String
    }

    /// The first policy version of TCF 2.2.
    package static let firstTCF22PolicyVersion = 4

    /// Purposes that may not rest on legitimate interest from TCF 2.2 on.
    package static let consentOnlyPurposes: Set<Int> = [1, 3, 4, 5, 6]

    /// Every rule this string breaks under its own policy version, in field order.
    package var policyViolations: [PolicyViolation] {
        guard policyVersion >= Self.firstTCF22PolicyVersion else { return [] }
        var found: [PolicyViolation] = []
        let policy = "TcfPolicyVersion \(policyVersion) is TCF 2.2 or later, where legitimate interest is no legal basis for purposes 1, 3, 4, 5 and 6"
        let claimed = purposeLegitimateInterests.filter(Self.consentOnlyPurposes.contains)
        if !claimed.isEmpty {
            found.append(
                PolicyViolation(
                    rule: "tcf22.purpose_li",
                    message: "\(policy); PurposesLITransparency sets bit\(Self.plural(claimed)) \(Self.list(claimed))"))
        }
        let required = publisherRestrictions.filter { $0.kind == .requireLegitimateInterest && Self.consentOnlyPurposes.contains($0.purpose) }
        if !required.isEmpty {
            let purposes = required.map(\.purpose)
            found.append(
                PolicyViolation(
                    rule: "tcf22.restriction_li",
                    message: "\(policy); the publisher restrictions require legitimate interest (restriction type 2) for purpose\(Self.plural(purposes)) \(Self.list(purposes))"))
        }
        if let publisherTC {
            let claimed = publisherTC.purposeLegitimateInterests.filter(Self.consentOnlyPurposes.contains)
            if !claimed.isEmpty {
                found.append(
                    PolicyViolation(
                        rule: "tcf22.publisher_li",
                        message: "\(policy); the publisher TC segment's PubPurposesLITransparency sets bit\(Self.plural(claimed)) \(Self.list(claimed))"))
            }
        }
        return found
    }

    private static func plural(_ ids: [Int]) -> String { ids.count == 1 ? "" : "s" }
    private static func list(_ ids: [Int]) -> String { ids.map(String.init).joined(separator: ", ") }
}
