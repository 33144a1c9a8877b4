/// How encoded consent signals become Tierwatch consent records (job key `consent_signals`).
///
/// Defaults follow the frameworks; the README's "Consent signals" section is the reference.
package struct SignalSettings: Sendable, Equatable {
    /// Our id in the TCF Global Vendor List: when set, TCF purposes count only if this vendor
    /// also has consent (or legitimate interest where allowed) and no publisher restriction
    /// forbids it.
    package var vendorID: Int?
    /// Tierwatch purpose → the TCF purposes that must all be allowed for it.
    package var tcfPurposes: [(purpose: String, tcf: [Int])]
    /// US opt-out (`sale`, `sharing`, `targeted_advertising`) → the Tierwatch purposes it withdraws.
    package var usOptOuts: [String: [String]]

    package static func == (a: SignalSettings, b: SignalSettings) -> Bool {
        a.vendorID == b.vendorID && a.usOptOuts == b.usOptOuts
            && a.tcfPurposes.map(\.purpose) == b.tcfPurposes.map(\.purpose) && a.tcfPurposes.map(\.tcf) == b.tcfPurposes.map(\.tcf)
    }

    package static let standard = SignalSettings(
        vendorID: nil,
        tcfPurposes: [
            ("advertising", [2, 3, 4]), ("personalization", [5, 6]), ("analytics", [7, 8, 9]), ("profiling", [3, 5]),
        ],
        usOptOuts: [
            "sale": ["advertising"], "sharing": ["advertising", "personalization"],
            "targeted_advertising": ["advertising", "personalization"],
        ])

    /// The US opt-out kinds, in the order they are listed.
    package static let optOutKinds = ["sale", "sharing", "targeted_advertising"]

    /// TCF purposes whose legal basis may be legitimate interest under policy 4+ (TCF 2.2):
    /// never purpose 1, and never 3-6 (personalised advertising and content profiles).
    package static let legitimateInterestPurposes: Set<Int> = [2, 7, 8, 9, 10, 11]

    /// Reads the `consent_signals` object of a job; every key overrides one part of the default.
    package static func read(_ cursor: JSONCursor) -> SignalSettings {
        var settings = SignalSettings.standard
        guard let members = cursor.object(allowed: ["vendor_id", "tcf_purposes", "us_opt_outs"]) else { return settings }
        if let vendor = members["vendor_id"]?.integer(in: 1...65_535) { settings.vendorID = vendor }
        for (purpose, value) in members["tcf_purposes"]?.map() ?? [] {
            var ids: [Int] = []
            for item in value.array() ?? [] {
                if let id = item.integer(in: 1...24) { ids.append(id) }
            }
            if let index = settings.tcfPurposes.firstIndex(where: { $0.purpose == purpose }) {
                settings.tcfPurposes[index].tcf = ids
            } else {
                settings.tcfPurposes.append((purpose, ids))
            }
        }
        settings.tcfPurposes.removeAll { $0.tcf.isEmpty }
        for (kind, value) in members["us_opt_outs"]?.map() ?? [] {
            guard optOutKinds.contains(kind) else {
                value.problem("unknown opt-out \"\(kind)\"; expected one of \(optOutKinds.joined(separator: ", "))")
                continue
            }
            settings.usOptOuts[kind] = value.strings() ?? []
        }
        return settings
    }
}

/// One consent record derived from a signal: what a plain consents row would have said.
package struct SignalRecord: Sendable, Equatable {
    package var purpose: String
    package var status: ConsentStatus
    /// Which signal decided (`tcf`, `gpp.usnat`, `gpc` ...), kept as the record's source.
    package var signal: String
}

/// Maps decoded signals to consent records with a job's settings.
package struct SignalMapping: Sendable {
    package let settings: SignalSettings

    package init(settings: SignalSettings) { self.settings = settings }

    /// Records for a TC string: every mapped purpose is granted or denied.
    package func records(_ tc: TCString, signal: String = "tcf") -> [SignalRecord] {
        settings.tcfPurposes.map { entry in
            let allowed = entry.tcf.allSatisfy { isAllowed(tcfPurpose: $0, in: tc) }
            return SignalRecord(purpose: entry.purpose, status: allowed ? .granted : .denied, signal: signal)
        }
    }

    /// Whether `tc` allows TCF purpose `id` for us: consent, or legitimate interest where
    /// the policy allows it, for the purpose and (when configured) our vendor, within the
    /// publisher's restrictions.
    package func isAllowed(tcfPurpose id: Int, in tc: TCString) -> Bool {
        let restriction = settings.vendorID.flatMap { tc.restriction(purpose: id, vendor: $0) }
        if restriction == .notAllowed { return false }
        let byConsent =
            tc.purposeConsents.contains(id) && (settings.vendorID.map { tc.vendorConsents.contains($0) } ?? true)
        // Purposes 3-6 never rest on legitimate interest; TCF 2.0 (policy 2-3) still let
        // purposes 3-6 claim it, but a compliance check must not rely on that.
        let byInterest =
            Self.interestAllowed(id) && tc.purposeLegitimateInterests.contains(id)
            && (settings.vendorID.map { tc.vendorLegitimateInterests.contains($0) } ?? true)
        switch restriction {
        case .requireConsent: return byConsent
        case .requireLegitimateInterest: return byInterest
        default: return byConsent || byInterest
        }
    }

    private static func interestAllowed(_ id: Int) -> Bool { SignalSettings.legitimateInterestPurposes.contains(id) }

    /// Records for US opt-outs: an opt-out withdraws each purpose it covers. "Did not opt
    /// out" grants nothing: it is not consent, and must not satisfy an opt-in regime.
    package func optOutRecords(_ kinds: [String], signal: String) -> [SignalRecord] {
        var seen: Set<String> = []
        var records: [SignalRecord] = []
        for kind in kinds {
            for purpose in settings.usOptOuts[kind] ?? [] where seen.insert(purpose).inserted {
                records.append(SignalRecord(purpose: purpose, status: .withdrawn, signal: signal))
            }
        }
        return records
    }

    /// Records for a US section (`usnat`, `usca` ...): opt-outs (value 1), its GPC
    /// sub-section, and `SensitiveDataProcessing` per category as records for the purpose
    /// `sensitive:<category>` that rule 4 checks besides the use's own purpose. In opt-in
    /// sections 2 (consent) grants and 1 (no consent) denies; in opt-out sections
    /// (California, Utah, Iowa) 1 (opted out) withdraws and 2 (did not opt out) grants
    /// nothing, as for every other opt-out. The record's signal is `gpp.<section>`.
    package func records(_ section: USSection) -> [SignalRecord] {
        let signal = "gpp." + section.name
        var kinds: [String] = []
        if section.value("SaleOptOut") == 1 { kinds.append("sale") }
        if section.value("SharingOptOut") == 1 { kinds.append("sharing") }
        if section.value("TargetedAdvertisingOptOut") == 1 { kinds.append("targeted_advertising") }
        var records = optOutRecords(kinds, signal: signal)
        if section.gpc == true { records += optOutRecords(["sale", "sharing"], signal: signal + ".gpc") }
        let layout = section.layout
        for (index, value) in section.values("SensitiveDataProcessing").enumerated() where index < layout.sensitiveCategories.count {
            let status: ConsentStatus
            switch (layout.sensitivity, value) {
            case (.consent, 2): status = .granted
            case (.consent, 1): status = .denied
            case (.optOut, 1): status = .withdrawn
            default: continue
            }
            for category in layout.sensitiveCategories[index] {
                records.append(SignalRecord(purpose: ConsentPolicy.sensitivePurposePrefix + category, status: status, signal: signal))
            }
        }
        return records
    }

    package func records(_ usp: USPrivacyString, signal: String = "us_privacy") -> [SignalRecord] {
        usp.optOutSale == .yes ? optOutRecords(["sale"], signal: signal) : []
    }

    package func records(_ gpp: GPPString) -> [SignalRecord] {
        var records: [SignalRecord] = []
        if let tc = gpp.tcfEU { records += self.records(tc, signal: "gpp.tcfeuv2") }
        if let usp = gpp.usPrivacy { records += self.records(usp, signal: "gpp.uspv1") }
        for section in gpp.usSections { records += self.records(section) }
        return records
    }

    /// GPC: an opt-out of sale and sharing.
    package func gpcRecords(_ flag: Bool) -> [SignalRecord] {
        flag ? optOutRecords(["sale", "sharing"], signal: "gpc") : []
    }
}
