/// One jurisdiction of a policy: its consent regime and whether sensitive data needs consent.
package struct JurisdictionRule: Sendable, Equatable, Codable {
    package var code: String
    package var regime: ConsentRegime
    package var sensitive: Bool
}

/// The consent rules a job enforces. The defaults are the README's default policy.
package struct ConsentPolicy: Sendable, Equatable, Codable {
    package var jurisdictions: [JurisdictionRule]
    package var sensitiveCategories: [String]
    /// Allowed data categories per tier, indexed by `Tier.rawValue`.
    package var allowedCategories: [[String]]
    package var profilingPurpose: String
    package var profilingTiers: [Int]
    /// Tiers exempt from the opt-in rules when an event uses no data categories.
    package var exemptTiers: [Int]

    /// Consent records for the purpose `sensitive:<category>` gate that category of
    /// sensitive data (usnat's SensitiveDataProcessing maps to them; plain rows may too).
    package static let sensitivePurposePrefix = "sensitive:"

    package static let standard = ConsentPolicy(
        jurisdictions: [
            JurisdictionRule(code: "EU", regime: .optIn, sensitive: true),
            JurisdictionRule(code: "UK", regime: .optIn, sensitive: true),
            JurisdictionRule(code: "US-CA", regime: .optOut, sensitive: true),
            JurisdictionRule(code: "US-other", regime: .none, sensitive: false),
            JurisdictionRule(code: "other", regime: .none, sensitive: false),
        ],
        sensitiveCategories: [
            "health", "precise_location", "biometric", "genetic", "ethnicity", "religion",
            "political_opinion", "sexual_orientation",
        ],
        allowedCategories: [
            [],
            ["location", "device", "demographics"],
            ["location", "device", "demographics", "browsing_behavior"],
            ["location", "device", "demographics", "browsing_behavior", "purchase_history", "inferred_interests"],
            [
                "location", "device", "demographics", "browsing_behavior", "purchase_history",
                "inferred_interests", "precise_location",
            ],
        ],
        profilingPurpose: "profiling",
        profilingTiers: [Tier.oneToFew.rawValue, Tier.oneToOne.rawValue],
        exemptTiers: [Tier.oneToAll.rawValue]
    )

    /// Reads the `policy` object of a job: every key overrides one part of the default.
    package static func read(_ cursor: JSONCursor) -> ConsentPolicy {
        var policy = ConsentPolicy.standard
        guard
            let members = cursor.object(allowed: [
                "jurisdictions", "sensitive_categories", "allowed_categories", "profiling_purpose",
                "profiling_tiers", "exempt_tiers",
            ])
        else { return policy }
        if let list = members["jurisdictions"]?.array() {
            var rules: [JurisdictionRule] = []
            for item in list {
                guard let fields = item.object(allowed: ["code", "regime", "sensitive"]) else { continue }
                guard let code = fields["code"]?.string() else {
                    if fields["code"] == nil { item.problem("missing key \"code\"") }
                    continue
                }
                let regime = fields["regime"]?.choice(ConsentRegime.allCases.map(\.rawValue))
                    .flatMap(ConsentRegime.init(rawValue:)) ?? .none
                let sensitive = fields["sensitive"]?.bool() ?? (regime != .none)
                if rules.contains(where: { $0.code == code }) {
                    item.problem("jurisdiction \"\(code)\" is listed twice")
                }
                rules.append(JurisdictionRule(code: code, regime: regime, sensitive: sensitive))
            }
            if rules.isEmpty { members["jurisdictions"]!.problem("expected at least one jurisdiction") }
            policy.jurisdictions = rules
        }
        if let list = members["sensitive_categories"]?.strings() { policy.sensitiveCategories = list }
        if let tiers = members["allowed_categories"]?.map() {
            for (key, value) in tiers {
                guard let tier = Tier(name: key) else {
                    value.problem("unknown tier; expected one of \(Tier.allCases.map(\.name).joined(separator: ", "))")
                    continue
                }
                if let list = value.strings() { policy.allowedCategories[tier.rawValue] = list }
            }
        }
        if let purpose = members["profiling_purpose"]?.string() { policy.profilingPurpose = purpose }
        if let list = members["profiling_tiers"] { policy.profilingTiers = readTiers(list) }
        if let list = members["exempt_tiers"] { policy.exemptTiers = readTiers(list) }
        return policy
    }

    private static func readTiers(_ cursor: JSONCursor) -> [Int] {
        (cursor.array() ?? []).compactMap { item in
            item.choice(Tier.allCases.map(\.name)).flatMap(Tier.init(name:))?.rawValue
        }
    }
}
