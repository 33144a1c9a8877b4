import Testing
@testable import TierwatchCore

@Suite("GPP strings, US Privacy strings and GPC flags")
struct GPPStringTests {
    /// The header examples of the GPP "Consent String Specification".
    static let specHeaders: [(String, [Int])] = [("DBABM", [2]), ("DBACNY", [2, 6]), ("DBABjw", [5, 6])]

    @Test("the spec's header examples decode to their section ids", arguments: specHeaders)
    func specHeader(header: String, ids: [Int]) throws {
        let decoded = try GPPString.header(Substring(header))
        #expect(decoded.version == 1)
        #expect(decoded.sectionIDs == ids)
    }

    @Test("headers built with the test encoder round-trip", arguments: [[7], [2, 7], [6, 7, 8], [2, 6, 7, 20]])
    func headerRoundTrip(ids: [Int]) throws {
        #expect(try GPPString.header(Substring(gppHeader(ids))).sectionIDs == ids)
    }

    /// `DBABLA~BVQqAAAAAgA.QA`, decoded by hand from the usnat v1 field table: all four
    /// notices 1, the three opt-outs 2 (did not opt out), sensitive and child fields 0,
    /// MspaCoveredTransaction 2, a GPC sub-section with Gpc false.
    @Test("a usnat string with a GPC sub-section decodes to its hand-decoded fields")
    func usnatExample() throws {
        let gpp = try GPPString.decode("DBABLA~BVQqAAAAAgA.QA")
        #expect(gpp.sectionIDs == [7])
        let usnat = try #require(gpp.usSection("usnat"))
        #expect(usnat.version == 1)
        #expect(["SharingNotice", "SaleOptOutNotice", "SharingOptOutNotice", "TargetedAdvertisingOptOutNotice"].map(usnat.value) == [1, 1, 1, 1])
        #expect(["SaleOptOut", "SharingOptOut", "TargetedAdvertisingOptOut"].map(usnat.value) == [2, 2, 2])
        #expect(usnat.values("SensitiveDataProcessing") == Array(repeating: 0, count: 12))
        #expect(usnat.values("KnownChildSensitiveDataConsents") == [0, 0])
        #expect(usnat.value("MspaCoveredTransaction") == 2)
        #expect(usnat.gpc == false)
    }

    @Test("usnat versions 1 and 2 round-trip every field, with and without GPC", arguments: [1, 2])
    func usnatRoundTrip(version: Int) throws {
        var b = USNatBuilder()
        b.version = version
        b.optOuts = [1, 2, 1]
        b.sensitive = (0..<(version == 1 ? 12 : 16)).map { $0 % 3 }
        b.child = version == 1 ? [1, 2] : [2, 1, 0]
        b.personal = 1
        b.mspa = [1, 2, 1]
        b.gpc = true
        let gpp = try GPPString.decode(gppHeader([7]) + "~" + b.encode())
        let usnat = try #require(gpp.usSection("usnat"))
        #expect(usnat.version == version)
        #expect(["SaleOptOut", "SharingOptOut", "TargetedAdvertisingOptOut"].map(usnat.value) == b.optOuts)
        #expect(usnat.values("SensitiveDataProcessing") == b.sensitive)
        #expect(usnat.values("KnownChildSensitiveDataConsents") == b.child)
        #expect(usnat.value("PersonalDataConsents") == 1)
        #expect(["MspaCoveredTransaction", "MspaOptOutOptionMode", "MspaServiceProviderMode"].map(usnat.value) == b.mspa)
        #expect(usnat.gpc == true)
        b.gpc = nil
        let withoutGPC = try GPPString.decode(gppHeader([7]) + "~" + b.encode()).usSection("usnat")
        #expect(withoutGPC != nil && withoutGPC?.gpc == nil)
    }

    @Test("tcfeuv2 and uspv1 sections are decoded with the TC string and US Privacy decoders")
    func otherSections() throws {
        let gpp = try GPPString.decode("DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN")
        #expect(gpp.tcfEU?.cmpID == 31)
        #expect(gpp.usPrivacy?.optOutSale == .no)
        let undecoded = try GPPString.decode(gppHeader([5]) + "~BAAA")
        #expect(undecoded.sectionIDs == [5] && undecoded.usSections.isEmpty)
        #expect(undecoded.document.json().contains("\"tcfcav1\": \"not decoded\""))
    }

    static let rejections: [(String, String, SignalRejection.Reason)] = {
        var list: [(String, String, SignalRejection.Reason)] = [
            ("empty", "", .empty),
            ("header only", "DBABM", .malformed),
            ("more sections than the header lists", "DBABLA~BVQqAAAAAgA~1YNN", .malformed),
            ("a bad character in the header", "DB*BLA~BVQqAAAAAgA", .invalidCharacter),
            ("'=' in the middle of a section", "DBABLA~BVQq=AAAAAgA", .invalidCharacter),
            ("an empty section", "DBACNY~~1YNN", .malformed),
            ("a usnat section cut short", "DBABLA~BVQqAAA", .truncated),
            ("a bad uspv1 section", "DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YXN", .invalidCharacter),
        ]
        var w = BitWriter()
        w.int(4, 6)
        w.int(1, 6)
        w.int(1, 12)
        w.bool(false)
        w.fibonacci(7)
        list.append(("header Type 4", w.base64url() + "~BVQqAAAAAgA", .malformed))
        w = BitWriter()
        w.int(3, 6)
        w.int(2, 6)
        w.int(1, 12)
        w.bool(false)
        w.fibonacci(7)
        list.append(("header Version 2", w.base64url() + "~BVQqAAAAAgA", .unsupportedVersion))
        var b = USNatBuilder()
        b.version = 3
        list.append(("usnat version 3", gppHeader([7]) + "~" + b.encode(), .unsupportedVersion))
        b = USNatBuilder()
        b.optOuts = [3, 2, 2]
        list.append(("usnat field value 3", gppHeader([7]) + "~" + b.encode(), .malformed))
        var sub = BitWriter()
        sub.int(2, 2)
        sub.bool(true)
        list.append(("an unknown usnat sub-section", gppHeader([7]) + "~" + USNatBuilder().encode() + "." + sub.base64url(), .malformed))
        return list
    }()

    @Test("malformed GPP strings are rejected with a reason", arguments: rejections)
    func rejects(name: String, text: String, reason: SignalRejection.Reason) {
        do {
            let gpp = try GPPString.decode(text)
            Issue.record("\(name): accepted as \(gpp)")
        } catch {
            #expect(error.reason == reason, "\(name): \(error)")
        }
    }

    static let usPrivacy: [(String, SignalRejection.Reason?)] = [
        ("1YNN", nil), ("1---", nil), ("1NYY", nil), (" 1YNY ", nil),
        ("", .empty), ("1YN", .malformed), ("1YNNN", .malformed), ("2YNN", .unsupportedVersion), ("1yNN", .invalidCharacter),
        ("1YXN", .invalidCharacter),
    ]

    @Test("US Privacy strings are validated character by character", arguments: usPrivacy)
    func usPrivacyStrings(text: String, reason: SignalRejection.Reason?) {
        do {
            let usp = try USPrivacyString.decode(text)
            #expect(reason == nil, "\(text) accepted")
            let characters = Array(text.trimmingCharacters(in: " "))
            #expect(usp.explicitNotice.rawValue == characters[1])
            #expect(usp.optOutSale.rawValue == characters[2])
            #expect(usp.lspaCovered.rawValue == characters[3])
        } catch {
            #expect(error.reason == reason, "\(text): \(error)")
        }
    }

    static let gpcValues: [(String, Bool?)] = [("1", true), ("true", true), ("TRUE", true), ("0", false), ("false", false), ("", false), ("yes", nil), ("2", nil)]

    @Test("GPC flags: 1/true is an opt-out, 0/false/empty is none, anything else is rejected", arguments: gpcValues)
    func gpcFlags(text: String, expected: Bool?) {
        do {
            #expect(try GPCFlag.decode(text) == expected)
        } catch {
            #expect(expected == nil, "\(text): \(error)")
            #expect(error.reason == .invalidCharacter)
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
