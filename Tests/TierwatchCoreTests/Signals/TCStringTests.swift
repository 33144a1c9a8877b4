import Foundation
import Testing
@testable import TierwatchCore

/// Named TC string shapes, each built bit by bit with `TCBuilder`.
struct TCCase: CustomTestStringConvertible, Sendable {
    var name: String
    var build: @Sendable () -> TCBuilder
    var testDescription: String { name }
}

let tcCases: [TCCase] = [
    TCCase(name: "bit-field vendors, byte padding") {
        var b = TCBuilder()
        b.padTo = 8
        return b
    },
    TCCase(name: "range vendors with a single id and a range, LI range") {
        var b = TCBuilder()
        b.vendorConsents = .init(max: 800, range: true, ids: [[3], [10, 20], [755]])
        b.vendorInterests = .init(max: 755, range: true, ids: [[700, 755]])
        return b
    },
    TCCase(name: "publisher restrictions of every type") {
        var b = TCBuilder()
        b.restrictions = [(2, 0, [[5]]), (7, 1, [[1, 3], [12]]), (8, 2, [[12]])]
        return b
    },
    TCCase(name: "disclosed vendors and publisher TC segments") {
        var b = TCBuilder()
        b.disclosed = .init(max: 40, range: false, ids: [[1], [12], [40]])
        b.publisherTC = ([1, 3], [2], 3, [1, 3], [2])
        return b
    },
    TCCase(name: "every segment type: disclosed (bit field), allowed (range) and publisher TC") {
        var b = TCBuilder()
        b.disclosed = .init(max: 9, range: false, ids: [[2], [9]])
        b.allowed = .init(max: 300, range: true, ids: [[1, 4], [300]])
        b.publisherTC = ([2], [], 1, [1], [])
        return b
    },
    TCCase(name: "an allowed-vendors segment alone, in bit-field encoding") {
        var b = TCBuilder()
        b.allowed = .init(max: 7, range: false, ids: [[1], [7]])
        return b
    },
    // Filled to 24 bits: iab-tcf decodes segments as bytes and drops a last partial byte,
    // so a segment ending mid-byte (valid: see `endings`) loses its last bits there.
    TCCase(name: "every field at its largest value, 1-65535 vendor ranges") {
        var b = TCBuilder()
        b.created = (1 << 36) - 1
        b.lastUpdated = (1 << 36) - 1
        b.cmpID = 4095
        b.cmpVersion = 4095
        b.consentScreen = 63
        b.language = "ZZ"
        b.vendorListVersion = 4095
        b.serviceSpecific = true
        b.nonStandardTexts = true
        b.specialFeatures = Array(1...12)
        b.purposes = Array(1...24)
        b.interests = [2, 7, 8, 9, 10, 11]
        b.purposeOneTreatment = true
        b.country = "ZZ"
        b.vendorConsents = .init(max: 65_535, range: true, ids: [[1, 65_535]])
        b.vendorInterests = .init(max: 65_535, range: true, ids: [[65_535]])
        b.restrictions = [(63, 0, [[1, 65_535]]), (24, 1, [[65_535]])]
        b.disclosed = .init(max: 65_535, range: true, ids: [[1, 65_535]])
        b.publisherTC = (Array(1...24), [2, 7], 63, Array(1...63), [1, 63])
        return b
    },
    TCCase(name: "every field at its smallest value: zero times, CMP 0, AA, no vendors") {
        var b = TCBuilder()
        b.created = 0
        b.lastUpdated = 0
        b.cmpID = 0
        b.cmpVersion = 0
        b.consentScreen = 0
        b.language = "AA"
        b.vendorListVersion = 0
        b.serviceSpecific = false
        b.specialFeatures = []
        b.purposes = []
        b.interests = []
        b.country = "AA"
        b.vendorConsents = .init(max: 0, range: false, ids: [])
        b.vendorInterests = .init(max: 0, range: true, ids: [])
        b.disclosed = .init(max: 0, range: false, ids: [])
        b.publisherTC = ([], [], 0, [], [])
        return b
    },
    TCCase(name: "bit-field vendors up to 1000, every third id, with a bit-field disclosed segment") {
        var b = TCBuilder()
        let ids = stride(from: 1, through: 1000, by: 3).map { [$0] }
        b.vendorConsents = .init(max: 1000, range: false, ids: ids)
        b.vendorInterests = .init(max: 999, range: false, ids: [[999]])
        b.disclosed = .init(max: 1000, range: false, ids: ids)
        return b
    },
    TCCase(name: "TCF 2.0 policy 2, every purpose, purpose one treatment, no special features") {
        var b = TCBuilder()
        b.policyVersion = 2
        b.purposes = Array(1...24)
        b.interests = []
        b.specialFeatures = []
        b.purposeOneTreatment = true
        b.serviceSpecific = false
        b.nonStandardTexts = true
        b.language = "FR"
        b.country = "AA"
        return b
    },
]

@Suite("TCF v2 TC strings")
struct TCStringTests {
    @Test("every field round-trips through a string built bit by bit", arguments: tcCases)
    func roundTrip(_ tcCase: TCCase) throws {
        let b = tcCase.build()
        let tc = try TCString.decode(b.encode())
        #expect(tc.version == 2)
        #expect(tc.created == b.created && tc.lastUpdated == b.lastUpdated)
        #expect(tc.cmpID == b.cmpID && tc.cmpVersion == b.cmpVersion && tc.consentScreen == b.consentScreen)
        #expect(tc.consentLanguage == b.language && tc.publisherCountry == b.country)
        #expect(tc.vendorListVersion == b.vendorListVersion && tc.policyVersion == b.policyVersion)
        #expect(tc.isServiceSpecific == b.serviceSpecific && tc.useNonStandardTexts == b.nonStandardTexts)
        #expect(tc.specialFeatureOptIns == b.specialFeatures)
        #expect(tc.purposeConsents == b.purposes && tc.purposeLegitimateInterests == b.interests)
        #expect(tc.purposeOneTreatment == b.purposeOneTreatment)
        #expect(tc.vendorConsents.ids == b.vendorConsents.expanded)
        #expect(tc.vendorConsents.maxVendorID == b.vendorConsents.max)
        #expect(tc.vendorConsents.encoding == (b.vendorConsents.range ? .range : .bitField))
        #expect(tc.vendorLegitimateInterests.ids == b.vendorInterests.expanded)
        #expect(tc.publisherRestrictions.map(\.purpose) == b.restrictions.map(\.purpose))
        #expect(tc.publisherRestrictions.map(\.kind.rawValue) == b.restrictions.map(\.type))
        #expect(tc.publisherRestrictions.map { $0.vendors.flatMap { Array($0) } } == b.restrictions.map { TCBuilder.VendorSpec(max: 0, range: true, ids: $0.vendors).expanded })
        #expect(tc.disclosedVendors?.ids == b.disclosed?.expanded)
        #expect(tc.allowedVendors?.ids == b.allowed?.expanded)
        #expect(tc.allowedVendors?.encoding == b.allowed.map { $0.range ? .range : .bitField })
        #expect(tc.publisherTC?.purposeConsents == b.publisherTC?.consents)
        #expect(tc.publisherTC?.purposeLegitimateInterests == b.publisherTC?.interests)
        #expect(tc.publisherTC?.customPurposeCount == b.publisherTC?.custom)
        #expect(tc.publisherTC?.customPurposeConsents == b.publisherTC?.customConsents)
        #expect(tc.publisherTC?.customPurposeLegitimateInterests == b.publisherTC?.customInterests)
    }

    /// The TC string inside the GPP spec's example `DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN`,
    /// decoded by hand from its bits: created 16504920000 ds (2022-04-20T22:00:00Z), CMP 31
    /// version 640, screen 1, EN, vendor list 126, policy 2, service-specific, publisher DE.
    @Test("the GPP spec's example TC string decodes to its hand-decoded fields")
    func specExample() throws {
        let tc = try TCString.decode("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA")
        #expect(tc.created == 16_504_920_000 && tc.lastUpdated == 16_504_920_000)
        #expect(tc.cmpID == 31 && tc.cmpVersion == 640 && tc.consentScreen == 1)
        #expect(tc.consentLanguage == "EN" && tc.vendorListVersion == 126 && tc.policyVersion == 2)
        #expect(tc.isServiceSpecific && !tc.useNonStandardTexts)
        #expect(tc.purposeConsents.isEmpty && tc.specialFeatureOptIns.isEmpty)
        #expect(tc.publisherCountry == "DE")
        #expect(tc.vendorConsents.maxVendorID == 0 && tc.publisherRestrictions.isEmpty)
    }

    @Test("an independent decoder (iab-tcf from PyPI) reads the same fields from every built string")
    func agreesWithIabTcf() throws {
        var strings = tcCases.map { $0.build().encode() }
        strings.append("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA")
        let lines = try runPython([packageRoot + "/Tests/Support/tcf_oracle.py"] + strings)
        #expect(lines.count == strings.count)
        for (text, line) in zip(strings, lines) {
            let oracle = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let tc = try TCString.decode(text)
            #expect(oracle["version"] as? Int == tc.version)
            #expect(oracle["created"] as? Int == Int(tc.created / 10), "\(text)")
            #expect(oracle["last_updated"] as? Int == Int(tc.lastUpdated / 10))
            #expect(oracle["cmp_id"] as? Int == tc.cmpID)
            #expect(oracle["cmp_version"] as? Int == tc.cmpVersion)
            #expect(oracle["consent_screen"] as? Int == tc.consentScreen)
            #expect(oracle["consent_language"] as? String == tc.consentLanguage)
            #expect(oracle["vendor_list_version"] as? Int == tc.vendorListVersion)
            #expect(oracle["tcf_policy_version"] as? Int == tc.policyVersion)
            #expect(oracle["is_service_specific"] as? Bool == tc.isServiceSpecific)
            #expect(oracle["use_non_standard_texts"] as? Bool == tc.useNonStandardTexts)
            #expect(oracle["special_feature_opt_ins"] as? [Int] == tc.specialFeatureOptIns)
            #expect(oracle["purposes_consent"] as? [Int] == tc.purposeConsents)
            #expect(oracle["purposes_li_transparency"] as? [Int] == tc.purposeLegitimateInterests)
            #expect(oracle["purpose_one_treatment"] as? Bool == tc.purposeOneTreatment)
            #expect(oracle["publisher_cc"] as? String == tc.publisherCountry)
            let consents = oracle["vendor_consents"] as! [String: Any]
            #expect(consents["max_vendor_id"] as? Int == tc.vendorConsents.maxVendorID)
            #expect(consents["ids"] as? [Int] == tc.vendorConsents.ids)
            let interests = oracle["vendor_legitimate_interests"] as! [String: Any]
            #expect(interests["ids"] as? [Int] == tc.vendorLegitimateInterests.ids)
            let restrictions = oracle["publisher_restrictions"] as! [[String: Any]]
            #expect(restrictions.map { $0["purpose_id"] as? Int } == tc.publisherRestrictions.map(\.purpose))
            #expect(restrictions.map { $0["restriction_type"] as? Int } == tc.publisherRestrictions.map(\.kind.rawValue))
            #expect(restrictions.map { $0["vendor_ids"] as? [Int] } == tc.publisherRestrictions.map { $0.vendors.flatMap { Array($0) } })
            #expect((oracle["disclosed_vendors"] as? [Int]) == tc.disclosedVendors?.ids)
            let publisher = oracle["publisher_tc"] as? [String: Any]
            #expect(publisher?["pub_purposes_consent"] as? [Int] == tc.publisherTC?.purposeConsents)
            #expect(publisher?["num_custom_purposes"] as? Int == tc.publisherTC?.customPurposeCount)
            #expect(publisher?["custom_purposes_li_transparency"] as? [Int] == tc.publisherTC?.customPurposeLegitimateInterests)
        }
    }

    /// One corruption per rejection reason (and per malformed rule), each from a valid string.
    static let rejections: [(String, String, SignalRejection.Reason)] = {
        var list: [(String, String, SignalRejection.Reason)] = []
        let good = TCBuilder().encode()
        list.append(("empty", "", .empty))
        list.append(("blank", "   ", .empty))
        list.append(("a '+' from standard base64", "C" + good.dropFirst().replacingOccurrences(of: "A", with: "+"), .invalidCharacter))
        list.append(("'=' inside a segment", String(good.prefix(10)) + "=" + good.dropFirst(10), .invalidCharacter))
        list.append(("only '=' in a segment", good + ".==", .empty))
        list.append(("a stray '.'", good + ".", .malformed))
        var b = TCBuilder()
        b.version = 1
        list.append(("version 1", b.encode(), .unsupportedVersion))
        b = TCBuilder()
        b.version = 3
        list.append(("version 3", b.encode(), .unsupportedVersion))
        b = TCBuilder()
        b.policyVersion = 6
        list.append(("policy version 6", b.encode(), .unsupportedVersion))
        b = TCBuilder()
        b.policyVersion = 1
        list.append(("policy version 1", b.encode(), .unsupportedVersion))
        list.append(("cut inside the core segment", String(good.prefix(20)), .truncated))
        b = TCBuilder()
        b.vendorConsents = .init(max: 400, range: false, ids: [[1]])
        list.append(("cut inside the vendor bit field", String(b.encode().prefix(45)), .truncated))
        b = TCBuilder()
        b.language = "E["
        list.append(("a language letter above Z", b.encode(), .malformed))
        b = TCBuilder()
        b.vendorConsents = .init(max: 10, range: true, ids: [[5, 3]])
        list.append(("a reversed vendor range", b.encode(), .malformed))
        b = TCBuilder()
        b.vendorConsents = .init(max: 10, range: true, ids: [[0]])
        list.append(("vendor id 0", b.encode(), .malformed))
        b = TCBuilder()
        b.vendorConsents = .init(max: 10, range: true, ids: [[8, 11]])
        list.append(("a range above MaxVendorId", b.encode(), .malformed))
        b = TCBuilder()
        b.restrictions = [(2, 3, [[5]])]
        list.append(("restriction type 3", b.encode(), .malformed))
        b = TCBuilder()
        b.restrictions = [(0, 1, [[5]])]
        list.append(("restriction on purpose 0", b.encode(), .malformed))
        var segment = BitWriter()
        segment.int(5, 3)
        segment.int(0, 16)
        segment.bool(false)
        list.append(("an unknown segment type", good + "." + segment.base64url(), .malformed))
        list.append(("the core segment twice", good + "." + good, .malformed))
        b = TCBuilder()
        b.disclosed = .init(max: 3, range: false, ids: [[1]])
        let withDisclosed = b.encode()
        list.append(("a repeated disclosed-vendors segment", withDisclosed + "." + withDisclosed.split(separator: ".")[1], .malformed))
        return list
    }()

    @Test("malformed TC strings are rejected with a reason, never read as consent", arguments: rejections)
    func rejects(name: String, text: String, reason: SignalRejection.Reason) {
        do {
            let tc = try TCString.decode(text)
            Issue.record("\(name): accepted as \(tc)")
        } catch {
            #expect(error.reason == reason, "\(name): \(error)")
            #expect(!error.message.isEmpty)
        }
    }

    /// Encoders differ in how they end a segment: the reference Java library pads to whole
    /// base64 quanta with `=`, others stop at the last sextet (a length of 1 mod 4 is
    /// possible), others fill to a byte or 24 bits. All of these carry the same fields.
    @Test("a segment of any length, with or without '=' padding and filler bits, decodes to the same fields", arguments: [6, 8, 24])
    func endings(padTo: Int) throws {
        var b = TCBuilder()
        b.padTo = padTo
        b.disclosed = .init(max: 7, range: false, ids: [[2], [7]])
        let reference = try TCString.decode(b.encode())
        let segments = b.encode().split(separator: ".").map(String.init)
        for padding in 0...3 {
            let padded = segments.map { $0 + String(repeating: "=", count: padding) }.joined(separator: ".")
            #expect(try TCString.decode(padded) == reference, "\(padded)")
        }
        // Filler after the last field, whatever its length or value, is not a field.
        #expect(try TCString.decode(segments[0] + "_-AAAA" + "." + segments[1]) == reference)
    }

    @Test("core segments of every length mod 4, 1 mod 4 included, are read")
    func everyLengthModFour() throws {
        var residues: Set<Int> = []
        for extra in 0..<4 {
            // Each extra vendor bit adds one bit; six add one base64url character.
            var b = TCBuilder()
            b.padTo = 6
            b.vendorConsents = .init(max: 6 * extra + 1, range: false, ids: [[1], [6 * extra + 1]])
            let text = b.encode()
            residues.insert(text.count % 4)
            let tc = try TCString.decode(text)
            #expect(tc.vendorConsents.ids == Array(Set([1, 6 * extra + 1])).sorted())
            #expect(tc.vendorConsents.maxVendorID == 6 * extra + 1)
        }
        #expect(residues == [0, 1, 2, 3])
    }

    /// TCF 2.2 (policy version 4+): purposes 1 and 3-6 may not rest on legitimate interest.
    static let policyCases: [(String, TCBuilder, String?)] = {
        var list: [(String, TCBuilder, String?)] = []
        for policy in [4, 5] {
            for purpose in [1, 3, 4, 5, 6] {
                var b = TCBuilder()
                b.policyVersion = policy
                b.interests = [2, purpose, 7].sorted()
                list.append(("policy \(policy), LI bit \(purpose)", b, "tcf22.purpose_li"))
            }
            var b = TCBuilder()
            b.policyVersion = policy
            b.interests = [2, 7, 8, 9, 10, 11]
            list.append(("policy \(policy), LI bits 2 and 7-11 only", b, nil))
            for purpose in [1, 3, 6] {
                b = TCBuilder()
                b.policyVersion = policy
                b.restrictions = [(2, 2, [[5]]), (purpose, 2, [[1, 3]])]
                list.append(("policy \(policy), require-LI restriction on purpose \(purpose)", b, "tcf22.restriction_li"))
            }
            b = TCBuilder()
            b.policyVersion = policy
            b.restrictions = [(3, 0, [[5]]), (4, 1, [[5]]), (7, 2, [[5]])]
            list.append(("policy \(policy), restrictions of types 0 and 1 on 3-4, type 2 on 7", b, nil))
            b = TCBuilder()
            b.policyVersion = policy
            b.publisherTC = ([1, 3], [2, 4], 0, [], [])
            list.append(("policy \(policy), publisher LI bit 4", b, "tcf22.publisher_li"))
        }
        for policy in [2, 3] {
            var b = TCBuilder()
            b.policyVersion = policy
            b.interests = [1, 3, 4, 5, 6]
            b.restrictions = [(3, 2, [[5]])]
            list.append(("policy \(policy) (TCF 2.0), LI bits 1 and 3-6 and a require-LI restriction on 3", b, nil))
        }
        return list
    }()

    @Test("TC strings of policy 4+ claiming legitimate interest for purposes 1 or 3-6 are refused as policy violations, fields intact", arguments: policyCases)
    func policy(name: String, builder: TCBuilder, rule: String?) throws {
        let text = builder.encode()
        let fields = try TCString.decodeFields(text)
        #expect(fields.purposeLegitimateInterests == builder.interests)
        #expect(fields.policyViolations.map(\.rule) == (rule.map { [$0] } ?? []), "\(name)")
        do {
            let tc = try TCString.decode(text)
            #expect(rule == nil, "\(name): accepted as \(tc)")
        } catch {
            #expect(rule != nil, "\(name): \(error)")
            #expect(error.reason == .policyViolation)
            #expect(error.message.contains("TcfPolicyVersion \(builder.policyVersion)"))
        }
    }

    @Test("the policy message names the rule and every offending bit")
    func policyMessage() throws {
        var b = TCBuilder()
        b.interests = [2, 3, 5]
        b.restrictions = [(4, 2, [[1]])]
        do {
            _ = try TCString.decode(b.encode())
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("PurposesLITransparency sets bits 3, 5"), "\(error)")
            #expect(error.message.contains("and 1 more: tcf22.restriction_li"), "\(error)")
        }
    }

    @Test("publisher restrictions are found per purpose and vendor, least permissive first")
    func restrictionLookup() throws {
        var b = TCBuilder()
        b.restrictions = [(2, 1, [[1, 10]]), (2, 0, [[5]]), (7, 2, [[12]])]
        let tc = try TCString.decode(b.encode())
        #expect(tc.restriction(purpose: 2, vendor: 5) == .notAllowed)
        #expect(tc.restriction(purpose: 2, vendor: 6) == .requireConsent)
        #expect(tc.restriction(purpose: 7, vendor: 12) == .requireLegitimateInterest)
        #expect(tc.restriction(purpose: 7, vendor: 11) == nil)
    }
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().path

/// Runs a Python script and returns its stdout lines (the script's failure fails the test).
func runPython(_ arguments: [String]) throws -> [String] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(String(decoding: errors, as: UTF8.self))")
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}
