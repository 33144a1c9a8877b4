import Foundation
import Testing

/// TC and GPP strings built bit by bit for these tests (each checked with iab-tcf, the
/// independent decoder the core tests use). Our vendor id is 755 throughout.
enum SignalStrings {
    /// Purposes 1-10 with consent; vendor 755 has consent.
    static let allPurposes = "CQbOE4AQbOE4AEsAHBENCMEgAP_AAAAAACQgF5wAQF5gAAAA"
    /// Purposes 1, 2, 7 only; vendor 755 has consent.
    static let fewPurposes = "CQbOE4AQbOE4AEsAHBENCMEgAMIAAAAAACQgF5wAQF5gAAAA"
    /// Purposes 1-10, but only vendor 12 has consent.
    static let otherVendor = "CQbOE4AQbOE4AEsAHBENCMEgAP_AAAAAACQgAGQAQAGAAAAA"
    /// Purposes 1-10, vendor 755, and a publisher restriction: purpose 5 not allowed for 755.
    static let restricted = "CQbOE4AQbOE4AEsAHBENCMEgAP_AAAAAACQgF5wAQF5gAAABFAAQF5gA"
    /// `allPurposes` with the legitimate-interest bit of purpose 3 set: policy version 4
    /// (TCF 2.2) forbids it, so the string is refused as a policy violation.
    static let interestForPurposeThree = "CQbOE4AQbOE4AEsAHBENCMEgAP_AACAAACQgF5wAQF5gAAAA"
    /// usnat v1: opted out of sale.
    static let saleOptOut = "DBABLA~BVQaAAAAAg"
    /// usnat v1: no opt-outs, GPC sub-section true.
    static let gpcSubsection = "DBABLA~BVQqAAAAAg.Y"
}

@Suite("Consent signals end to end", .serialized)
struct ConsentSignalTests {
    static let events = [
        "e1,2026-11-22T08:00:00Z,s1,c1,A,one_to_few,email,delivered,,,device,personalization,EU",
        "e2,2026-11-22T08:01:00Z,s2,c1,A,one_to_many,email,delivered,,,device,personalization,EU",
        "e3,2026-11-22T08:02:00Z,s2,c1,A,one_to_one,email,delivered,,,device,personalization,EU",
        "e4,2026-11-22T08:03:00Z,s3,c1,A,one_to_many,email,delivered,,,device,advertising,EU",
        "e5,2026-11-22T08:04:00Z,s4,c1,A,one_to_many,email,delivered,,,device,advertising,EU",
        "e6,2026-11-22T08:05:00Z,s4,c1,A,one_to_many,email,delivered,,,device,personalization,EU",
        "e7,2026-11-22T08:06:00Z,s5,c1,A,one_to_many,email,delivered,,,device,advertising,US-CA",
        "e8,2026-11-22T08:07:00Z,s6,c1,A,one_to_many,email,delivered,,,device,personalization,US-CA",
        "e9,2026-11-22T08:08:00Z,s7,c1,A,one_to_many,email,delivered,,,device,advertising,US-CA",
        "e10,2026-11-22T08:09:00Z,s8,c1,A,one_to_many,email,delivered,,,device,personalization,EU",
        "e11,2026-11-22T08:10:00Z,s9,c1,A,one_to_many,email,delivered,,,device,advertising,US-CA",
        "e12,2026-11-22T08:11:00Z,s1,c1,A,one_to_many,email,delivered,,,device,analytics,EU",
    ]

    static let at = "2026-11-20T10:00:00Z"

    /// The export as a CMP writes it: signals only.
    static let signalRows = [
        "subject_id,recorded_at,source,jurisdiction,tc_string,gpp_string,gpc,us_privacy",
        "s1,\(at),cmp,EU,\(SignalStrings.allPurposes),,,",
        "s2,\(at),cmp,EU,\(SignalStrings.fewPurposes),,,",
        "s3,\(at),cmp,EU,\(SignalStrings.otherVendor),,,",
        "s4,\(at),cmp,EU,\(SignalStrings.restricted),,,",
        "s5,\(at),cmp,US-CA,,\(SignalStrings.saleOptOut),,",
        "s6,\(at),cmp,US-CA,,,1,",
        "s7,\(at),cmp,US-CA,,\(SignalStrings.gpcSubsection),,",
        "s9,\(at),cmp,US-CA,,,,1YYN",
    ]

    /// The same consent as plain purpose rows, worked out by hand from the README's mapping
    /// (advertising = TCF 2+3+4, personalization = 5+6, analytics = 7+8+9, profiling = 3+5;
    /// sale → advertising; sharing and GPC → advertising and personalization).
    static let plainRows: [String] = {
        var rows = [Canonical.consentsHeader]
        func add(_ subject: String, _ purpose: String, _ status: String, _ source: String, _ region: String) {
            rows.append("\(subject),\(purpose),\(status),\(at),\(source),\(region),")
        }
        for purpose in ["advertising", "personalization", "analytics", "profiling"] { add("s1", purpose, "granted", "cmp tcf", "EU") }
        for purpose in ["advertising", "personalization", "analytics", "profiling"] { add("s2", purpose, "denied", "cmp tcf", "EU") }
        for purpose in ["advertising", "personalization", "analytics", "profiling"] { add("s3", purpose, "denied", "cmp tcf", "EU") }
        add("s4", "advertising", "granted", "cmp tcf", "EU")
        add("s4", "personalization", "denied", "cmp tcf", "EU")
        add("s4", "analytics", "granted", "cmp tcf", "EU")
        add("s4", "profiling", "denied", "cmp tcf", "EU")
        add("s5", "advertising", "withdrawn", "cmp gpp.usnat", "US-CA")
        add("s6", "advertising", "withdrawn", "cmp gpc", "US-CA")
        add("s6", "personalization", "withdrawn", "cmp gpc", "US-CA")
        add("s7", "advertising", "withdrawn", "cmp gpp.usnat.gpc", "US-CA")
        add("s7", "personalization", "withdrawn", "cmp gpp.usnat.gpc", "US-CA")
        add("s9", "advertising", "withdrawn", "cmp us_privacy", "US-CA")
        return rows
    }()

    static func job(consents: String, rejectRate: Double = 0.01) -> String {
        """
        {"schemaVersion": 1, "period": "daily", "timezone": "UTC",
         "inputs": {"events": {"path": "data/events.csv"}, "consents": {"path": "data/\(consents)", "max_reject_rate": \(rejectRate)}},
         "consent_signals": {"vendor_id": 755}, "fail_on": "never"}
        """
    }

    @Test("an export of only TC strings, GPP strings and GPC flags gives the same violations as the equivalent plain rows")
    func signalsEqualPlainRows() throws {
        let w = try Workspace()
        try w.write(([Canonical.eventsHeader] + Self.events).joined(separator: "\n") + "\n", to: "Jobs/data/events.csv")
        try w.write(Self.signalRows.joined(separator: "\n") + "\n", to: "Jobs/data/signals.csv")
        try w.write(Self.plainRows.joined(separator: "\n") + "\n", to: "Jobs/data/plain.csv")
        try w.write(Self.job(consents: "signals.csv"), to: "Jobs/signals.json")
        try w.write(Self.job(consents: "plain.csv"), to: "Jobs/plain.json")
        try w.write(Self.job(consents: "signals.csv"), to: "Jobs/signals-in-parts.json")
        let signals = try w.tierwatch(["run", "signals", "--period", "2026-11-22"])
        let plain = try w.tierwatch(["run", "plain", "--period", "2026-11-22"])
        // The signal export again, cut into parts of 32 bytes read on 3 threads.
        let inParts = try w.tierwatch(
            ["run", "signals-in-parts", "--period", "2026-11-22", "--threads", "3"],
            environment: ["TIERWATCH_PSEUDONYM_KEY": "test-key", "TIERWATCH_MIN_PART_BYTES": "32"])
        #expect(signals.status == 1, "\(signals.stderr)")
        #expect(plain.status == 1, "\(plain.stderr)")
        #expect(inParts.status == 1, "\(inParts.stderr)")
        for file in ["violations.csv", "privacy_by_tier.csv", "privacy_by_jurisdiction.csv", "rejected.csv"] {
            let fromSignals = try w.read("Reports/signals/2026-11-22/" + file)
            let fromPlain = try w.read("Reports/plain/2026-11-22/" + file)
            #expect(fromSignals == fromPlain, "\(file) differs:\n\(fromSignals)\n---\n\(fromPlain)")
            #expect(try w.read("Reports/signals-in-parts/2026-11-22/" + file) == fromSignals, "\(file) differs when read in parts")
        }
        // And the violations are the ones the mapping implies, not an empty file twice.
        let violations = try w.read("Reports/signals/2026-11-22/violations.csv").split(whereSeparator: \.isNewline).dropFirst()
        let byEvent = Dictionary(grouping: violations.map { $0.split(separator: ",", omittingEmptySubsequences: false) }) { String($0[0]) }
            .mapValues { $0.map { String($0[2]) }.sorted() }
        #expect(byEvent["e1"] == nil && byEvent["e5"] == nil && byEvent["e12"] == nil)
        #expect(byEvent["e2"] == ["consent_denied"], "\(byEvent)")
        #expect(byEvent["e3"] == ["consent_denied", "profiling_without_consent"])
        #expect(byEvent["e4"] == ["consent_denied"])
        #expect(byEvent["e6"] == ["consent_denied"])
        #expect(byEvent["e7"] == ["opted_out"] && byEvent["e8"] == ["opted_out"] && byEvent["e9"] == ["opted_out"] && byEvent["e11"] == ["opted_out"])
        #expect(byEvent["e10"] == ["no_consent"])
        let e7 = violations.first { $0.hasPrefix("e7,") }!
        #expect(e7.contains("withdrawn at 2026-11-20T10:00:00Z (source cmp gpp.usnat)"), "the report names the deciding signal: \(e7)")
    }

    @Test("a row with an invalid signal is rejected with its reason and grants nothing")
    func invalidSignalRowIsRejected() throws {
        let w = try Workspace()
        try w.write(([Canonical.eventsHeader] + Self.events).joined(separator: "\n") + "\n", to: "Jobs/data/events.csv")
        let rows = Self.signalRows + ["s8,\(Self.at),cmp,EU,\(SignalStrings.allPurposes.prefix(20)),,,"]
        try w.write(rows.joined(separator: "\n") + "\n", to: "Jobs/data/signals.csv")
        try w.write(Self.job(consents: "signals.csv", rejectRate: 0.5), to: "Jobs/signals.json")
        let result = try w.tierwatch(["run", "signals", "--period", "2026-11-22"])
        #expect(result.status == 1, "\(result.stderr)")
        let rejected = try w.read("Reports/signals/2026-11-22/rejected.csv")
        #expect(rejected.contains("consents,data/signals.csv,10,tc_string,rejected (truncated)"), "\(rejected)")
        #expect(try w.read("Reports/signals/2026-11-22/violations.csv").contains("e10,2026-11-22T08:09:00Z,no_consent"))
    }

    @Test("a TCF 2.2 string claiming legitimate interest for purpose 3 grants nothing, is kept with its rule, and the compliance report counts it")
    func policyViolationRowIsRefused() throws {
        let w = try Workspace()
        try w.write(([Canonical.eventsHeader] + Self.events).joined(separator: "\n") + "\n", to: "Jobs/data/events.csv")
        let rows = Self.signalRows + ["s8,\(Self.at),cmp,EU,\(SignalStrings.interestForPurposeThree),,,"]
        try w.write(rows.joined(separator: "\n") + "\n", to: "Jobs/data/signals.csv")
        try w.write(Self.job(consents: "signals.csv", rejectRate: 0.5), to: "Jobs/signals.json")
        let result = try w.tierwatch(["run", "signals", "--period", "2026-11-22"])
        #expect(result.status == 1, "\(result.stderr)")
        let rejected = try w.read("Reports/signals/2026-11-22/rejected.csv")
        #expect(rejected.contains("consents,data/signals.csv,10,tc_string,\"rejected (policy_violation): tcf22.purpose_li: TcfPolicyVersion 4 is TCF 2.2"), "\(rejected)")
        #expect(rejected.contains("PurposesLITransparency sets bit 3"), "\(rejected)")
        // s8 had consent to purposes 1-10 in the refused string: none of it counts.
        #expect(try w.read("Reports/signals/2026-11-22/violations.csv").contains("e10,2026-11-22T08:09:00Z,no_consent"))
        let html = try w.read("Reports/signals/2026-11-22/compliance.html")
        #expect(html.contains("1 consent signals were refused and grant nothing"), "the finding is stated")
        #expect(html.contains("<tr><th scope=\"row\">tc_string</th><td>policy_violation</td><td class=\"n\">1</td></tr>"), "\(html)")

        let decode = try w.tierwatch(["consent", "decode", SignalStrings.interestForPurposeThree])
        #expect(decode.status == 65)
        #expect(decode.stderr.contains("policy_violation: tcf22.purpose_li: TcfPolicyVersion 4 is TCF 2.2 or later"), "\(decode.stderr)")
        #expect(decode.stderr.contains("sets bit 3"))
        // The fields are still printed: evidence of what the CMP sent.
        let json = try JSONSerialization.jsonObject(with: Data(decode.stdout.utf8)) as! [String: Any]
        #expect(json["purposes_li_transparency"] as? [Int] == [3])
    }

    @Test("consents without purpose, status or any signal column are refused as bad data (65)")
    func missingColumns() throws {
        let w = try Workspace()
        try w.write(([Canonical.eventsHeader] + Self.events).joined(separator: "\n") + "\n", to: "Jobs/data/events.csv")
        try w.write("subject_id,recorded_at,source\ns1,\(Self.at),cmp\n", to: "Jobs/data/signals.csv")
        try w.write(Self.job(consents: "signals.csv"), to: "Jobs/signals.json")
        let result = try w.tierwatch(["run", "signals", "--period", "2026-11-22"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("missing column \"purpose\""), "\(result.stderr)")
        #expect(result.stderr.contains("or a signal column"))
    }

    @Test("consent decode prints every TC string field as JSON, as the spec defines them")
    func decodeJSON() throws {
        let w = try Workspace()
        let result = try w.tierwatch(["consent", "decode", SignalStrings.restricted])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(json["format"] as? String == "tcf")
        #expect(json["version"] as? Int == 2)
        #expect(json["created"] as? String == "2025-11-20T16:00:00Z")  // 17636544000 ds; Python: utcfromtimestamp(1763654400)
        #expect(json["cmp_id"] as? Int == 300 && json["cmp_version"] as? Int == 7 && json["consent_screen"] as? Int == 1)
        #expect(json["consent_language"] as? String == "EN" && json["publisher_cc"] as? String == "SE")
        #expect(json["vendor_list_version"] as? Int == 140 && json["tcf_policy_version"] as? Int == 4)
        #expect(json["purposes_consent"] as? [Int] == Array(1...10))
        #expect((json["vendor_consents"] as? [String: Any])?["ids"] as? [Int] == [755])
        let restriction = (json["publisher_restrictions"] as? [[String: Any]])?.first
        #expect(restriction?["purpose_id"] as? Int == 5 && restriction?["restriction"] as? String == "not_allowed")
        #expect(restriction?["vendor_ids"] as? [Int] == [755])
    }

    @Test("consent decode reads GPP and US Privacy strings, and exits 65 with the reason for an invalid one")
    func decodeOthersAndInvalid() throws {
        let w = try Workspace()
        let gpp = try w.tierwatch(["consent", "decode", "DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN"])
        #expect(gpp.status == 0)
        #expect(gpp.stdout.contains("\"section_ids\": [2, 6]") && gpp.stdout.contains("\"opt_out_sale\": \"no\""))
        let usnat = try w.tierwatch(["consent", "decode", SignalStrings.saleOptOut])
        #expect(usnat.stdout.contains("\"sale_opt_out\": 1"))
        let invalid = try w.tierwatch(["consent", "decode", "BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA"])
        #expect(invalid.status == 65)
        #expect(invalid.stderr.contains("unsupported_version"), "\(invalid.stderr)")
        #expect(invalid.stdout.isEmpty)
        let usage = try w.tierwatch(["consent", "decode"])
        #expect(usage.status == 64)
        let forced = try w.tierwatch(["consent", "decode", "1", "--type", "gpc"])
        #expect(forced.stdout.contains("\"gpc\": true"))
    }
}
