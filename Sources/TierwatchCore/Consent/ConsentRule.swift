/// The rules of the consent cross-check, in report order.
///
/// One case per rule keeps names, severities and legal bases in one place; the evaluation
/// itself lives in `PolicyEvaluator`.
package enum ConsentRule: Int, CaseIterable, Sendable, Codable {
    case afterErasure
    case noConsent
    case consentDenied
    case consentWithdrawn
    case consentExpired
    case profilingWithoutConsent
    case optedOut
    case sensitiveWithoutConsent
    case categoryNotAllowed
    /// Last, so the report columns of the rules before it keep their positions.
    case resurrection

    /// The name in `violations.csv` and in job files.
    package var name: String {
        switch self {
        case .afterErasure: "after_erasure"
        case .noConsent: "no_consent"
        case .consentDenied: "consent_denied"
        case .consentWithdrawn: "consent_withdrawn"
        case .consentExpired: "consent_expired"
        case .profilingWithoutConsent: "profiling_without_consent"
        case .optedOut: "opted_out"
        case .sensitiveWithoutConsent: "sensitive_without_consent"
        case .categoryNotAllowed: "category_not_allowed"
        case .resurrection: "resurrection"
        }
    }

    package var severity: Severity {
        switch self {
        case .afterErasure, .sensitiveWithoutConsent, .resurrection: .critical
        case .noConsent, .consentDenied, .consentWithdrawn, .profilingWithoutConsent, .optedOut: .high
        case .consentExpired, .categoryNotAllowed: .medium
        }
    }

    /// A short statement of the legal basis, for the compliance report.
    package var legalBasis: String {
        switch self {
        case .afterErasure:
            "GDPR Art. 17 (right to erasure): after an erasure request the data may no longer be processed."
        case .noConsent:
            "GDPR Art. 6(1)(a) and ePrivacy: personalization in an opt-in regime needs consent before the use."
        case .consentDenied:
            "GDPR Art. 6(1)(a): the subject refused consent for this purpose."
        case .consentWithdrawn:
            "GDPR Art. 7(3): consent was withdrawn; processing must stop from that moment."
        case .consentExpired:
            "GDPR Art. 7: consent given for a limited time has lapsed and must be renewed."
        case .profilingWithoutConsent:
            "GDPR Art. 22: automated decisions and profiling with significant effects need explicit consent."
        case .optedOut:
            "CCPA/CPRA §1798.120 and §1798.135: the consumer opted out of sale or sharing."
        case .sensitiveWithoutConsent:
            "GDPR Art. 9 and CPRA §1798.121: special categories and sensitive data need explicit consent."
        case .categoryNotAllowed:
            "GDPR Art. 5(1)(c) (data minimisation): this tier may not use this category of data."
        case .resurrection:
            "GDPR Art. 17 and Art. 5(1)(e): the subject's erasure was reported fulfilled, yet their data is in use again, typically re-imported from an old list."
        }
    }
}

/// How a jurisdiction treats consent.
package enum ConsentRegime: String, Sendable, CaseIterable, Codable {
    /// Consent must be given before use (GDPR, UK GDPR).
    case optIn = "opt_in"
    /// Use is allowed until the subject opts out (CCPA/CPRA).
    case optOut = "opt_out"
    /// No consent requirement beyond erasure and minimisation.
    case none
}

/// What a consent lookup found for one subject and purpose at one instant.
package enum ConsentState: Int, CaseIterable, Sendable {
    case none, granted, denied, withdrawn, expired

    package var name: String {
        switch self {
        case .none: "none"
        case .granted: "granted"
        case .denied: "denied"
        case .withdrawn: "withdrawn"
        case .expired: "expired"
        }
    }
}
