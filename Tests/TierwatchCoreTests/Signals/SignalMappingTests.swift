import Testing
@testable import TierwatchCore

@Suite("Mapping consent signals to consent records")
struct SignalMappingTests {
    func statuses(_ b: TCBuilder, vendor: Int? = 755) throws -> [String: ConsentStatus] {
        var settings = SignalSettings.standard
        settings.vendorID = vendor
        let records = SignalMapping(settings: settings).records(try TCString.decode(b.encode()))
        return Dictionary(uniqueKeysWithValues: records.map { ($0.purpose, $0.status) })
    }

    func builder(purposes: [Int], interests: [Int] = [], vendors: [[Int]] = [[755]], vendorInterests: [[Int]] = []) -> TCBuilder {
        var b = TCBuilder()
        b.purposes = purposes
        b.interests = interests
        b.vendorConsents = .init(max: 800, range: true, ids: vendors)
        b.vendorInterests = .init(max: vendorInterests.isEmpty ? 0 : 800, range: true, ids: vendorInterests)
        return b
    }

    @Test("default purposes: 2-4 advertising, 5-6 personalization, 7-9 analytics, 3+5 profiling")
    func defaults() throws {
        #expect(try statuses(builder(purposes: [2, 3, 4])) == ["advertising": .granted, "personalization": .denied, "analytics": .denied, "profiling": .denied])
        #expect(try statuses(builder(purposes: [3, 5, 6])) == ["advertising": .denied, "personalization": .granted, "analytics": .denied, "profiling": .granted])
        #expect(try statuses(builder(purposes: [7, 8, 9]))["analytics"] == .granted)
    }

    @Test("our vendor must have consent too; without a vendor id only purposes count")
    func vendorConsent() throws {
        let other = builder(purposes: Array(1...10), vendors: [[12]])
        #expect(try statuses(other).values.allSatisfy { $0 == .denied })
        #expect(try statuses(other, vendor: nil).values.allSatisfy { $0 == .granted })
    }

    /// Policy 4+ strings claiming LI for 3-6 are refused before mapping (TCFPolicy); a
    /// TCF 2.0 string (policy 2) may still claim it, and the mapping must not rely on it.
    @Test("legitimate interest counts for purposes 2 and 7-9, never for 3-6, even in a TCF 2.0 string")
    func legitimateInterest() throws {
        var b = builder(purposes: [3, 4], interests: [2, 3, 4, 5, 6, 7, 8, 9], vendors: [[755]], vendorInterests: [[755]])
        b.policyVersion = 2
        let result = try statuses(b)
        #expect(result["advertising"] == .granted, "2 by LI, 3 and 4 by consent")
        #expect(result["analytics"] == .granted, "7-9 by LI")
        #expect(result["personalization"] == .denied, "5-6 cannot rest on LI")
        #expect(result["profiling"] == .denied)
    }

    @Test("publisher restrictions: not allowed, require consent, require legitimate interest")
    func restrictions() throws {
        var b = builder(purposes: Array(1...10), interests: [7, 8, 9], vendors: [[755]], vendorInterests: [[755]])
        b.restrictions = [(5, 0, [[755]])]
        #expect(try statuses(b)["personalization"] == .denied)
        b = builder(purposes: [2, 3, 4, 5, 6], interests: [7, 8, 9], vendors: [[755]], vendorInterests: [[755]])
        b.restrictions = [(7, 1, [[700, 800]])]
        #expect(try statuses(b)["analytics"] == .denied, "LI no longer enough for 7")
        b = builder(purposes: Array(1...10), vendors: [[755]])
        b.restrictions = [(8, 2, [[755]])]
        #expect(try statuses(b)["analytics"] == .denied, "consent no longer enough for 8")
        b.restrictions = [(8, 2, [[12]])]
        #expect(try statuses(b)["analytics"] == .granted, "a restriction on another vendor changes nothing")
    }

    @Test("US opt-outs and GPC withdraw the purposes they cover; not opting out grants nothing")
    func usSignals() throws {
        let mapping = SignalMapping(settings: .standard)
        var usnat = USNatBuilder()
        usnat.optOuts = [2, 2, 2]
        let none = try GPPString.decode(gppHeader([7]) + "~" + usnat.encode())
        #expect(mapping.records(none).isEmpty)
        usnat.optOuts = [1, 2, 2]
        #expect(mapping.records(try GPPString.decode(gppHeader([7]) + "~" + usnat.encode())).map(\.purpose) == ["advertising"])
        usnat.optOuts = [2, 2, 1]
        #expect(mapping.records(try GPPString.decode(gppHeader([7]) + "~" + usnat.encode())).map(\.purpose) == ["advertising", "personalization"])
        #expect(mapping.gpcRecords(true).map(\.purpose) == ["advertising", "personalization"])
        #expect(mapping.gpcRecords(true).allSatisfy { $0.status == .withdrawn && $0.signal == "gpc" })
        #expect(mapping.gpcRecords(false).isEmpty)
        #expect(mapping.records(try USPrivacyString.decode("1YYN")).map(\.purpose) == ["advertising"])
        #expect(mapping.records(try USPrivacyString.decode("1YNN")).isEmpty)
    }

    @Test("job overrides replace one purpose's TCF list or one opt-out's purposes")
    func overrides() throws {
        let problems = JobProblems()
        let json = try JSONValue.parse(Array(#"{"vendor_id": 755, "tcf_purposes": {"analytics": [8], "measurement": [9, 10], "profiling": []}, "us_opt_outs": {"sale": ["advertising", "analytics"]}}"#.utf8))
        let settings = SignalSettings.read(JSONCursor(json, problems: problems))
        #expect(problems.messages.isEmpty)
        #expect(settings.vendorID == 755)
        #expect(settings.tcfPurposes.map(\.purpose) == ["advertising", "personalization", "analytics", "measurement"])
        #expect(settings.tcfPurposes.first { $0.purpose == "analytics" }?.tcf == [8])
        #expect(settings.usOptOuts["sale"] == ["advertising", "analytics"])
        let bad = try JSONValue.parse(Array(#"{"vendor_id": 0, "us_opt_outs": {"sell": []}, "extra": 1}"#.utf8))
        _ = SignalSettings.read(JSONCursor(bad, problems: problems))
        #expect(problems.messages.count == 2 || problems.messages.count == 3, "\(problems.messages)")
        #expect(problems.messages.contains { $0.contains("sell") })
    }
}
