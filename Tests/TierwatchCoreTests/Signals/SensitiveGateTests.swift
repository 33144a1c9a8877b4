import Testing

@testable import TierwatchCore

@Suite("Sensitive-data consent from usnat gates sensitive categories")
struct SensitiveGateTests {
    @Test("SensitiveDataProcessing becomes sensitive:<category> records: 2 consent, 1 no consent, 0 nothing")
    func mapping() throws {
        var usnat = USNatBuilder()
        // health (3rd) consented, precise geolocation (8th) refused, the rest not applicable.
        usnat.sensitive = [0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        let records = SignalMapping(settings: .standard).records(try GPPString.decode(gppHeader([7]) + "~" + usnat.encode()))
        #expect(records.map(\.purpose) == ["sensitive:health", "sensitive:precise_location"])
        #expect(records.map(\.status) == [.granted, .denied])
        #expect(records.allSatisfy { $0.signal == "gpp.usnat" })
        // Version 2's consumer health data maps to the same category.
        var v2 = USNatBuilder()
        v2.version = 2
        v2.sensitive = Array(repeating: 0, count: 16)
        v2.sensitive[12] = 1
        v2.child = [0, 0, 0]
        let second = SignalMapping(settings: .standard).records(try GPPString.decode(gppHeader([7]) + "~" + v2.encode()))
        #expect(second.map(\.purpose) == ["sensitive:health"] && second.first?.status == .denied)
    }

    @Test("rule 4 needs the purpose granted and every recorded gate of the used categories granted", arguments: [
        (nil as ConsentStatus?, [] as [String]), (.granted, []), (.denied, ["sensitive_without_consent"]),
        (.withdrawn, ["sensitive_without_consent"]),
    ])
    func gate(_ gate: ConsentStatus?, _ expected: [String]) {
        var fixture = PolicyFixture()
        fixture.consent("personalization", .granted, at: 10)
        if let gate { fixture.consent("sensitive:precise_location", gate, at: 11) }
        #expect(fixture.check("personalization", tier: .oneToOne, jurisdiction: "US-CA", at: 20, categories: ["precise_location"]).rules == expected)
        // A gate for another category says nothing about this one.
        var other = PolicyFixture()
        other.consent("personalization", .granted, at: 10)
        if let gate { other.consent("sensitive:health", gate, at: 11) }
        #expect(other.check("personalization", tier: .oneToOne, jurisdiction: "US-CA", at: 20, categories: ["precise_location"]).rules == [])
    }

    @Test("without the purpose's consent a granted gate does not help")
    func purposeStillNeeded() {
        var fixture = PolicyFixture()
        fixture.consent("sensitive:precise_location", .granted, at: 11)
        #expect(fixture.check("personalization", tier: .oneToOne, jurisdiction: "EU", at: 20, categories: ["precise_location"]).rules
            == ["no_consent", "profiling_without_consent", "sensitive_without_consent"])
    }
}
