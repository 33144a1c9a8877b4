import Foundation
import Testing
@testable import TierwatchCore

@Suite("GPP US sections: usnat and every state section")
struct USSectionTests {
    /// Every (section, version) pair the decoder reads.
    static let versions: [(String, Int)] = USSectionLayout.all.flatMap { layout in
        layout.versions.keys.sorted().map { (layout.name, $0) }
    }

    @Test("the section list is the IAB's: ids 7 to 27, one name each")
    func sectionList() {
        #expect(USSectionLayout.all.map(\.id) == Array(7...27))
        let names = "usnat usca usva usco usut usct usfl usmt usor ustx usde usia usne usnh usnj ustn usmn usmd usin usky usri"
        #expect(USSectionLayout.all.map(\.name).joined(separator: " ") == names)
        for layout in USSectionLayout.all {
            var count = layout.versions.values.compactMap { $0.first { $0.name == "SensitiveDataProcessing" }?.count }.max() ?? 0
            if case .sensitiveData(let entries) = layout.subSection { count = entries }
            #expect(count == layout.sensitiveCategories.count, "\(layout.name): categories for every SensitiveDataProcessing entry")
        }
    }

    /// Each field at 0, 1 and 2 in turn (each field a different value from its neighbours),
    /// and the largest value 2 everywhere, with GPC true, false and absent.
    @Test("every field of every section and version round-trips at its boundary values", arguments: versions)
    func roundTrip(name: String, version: Int) throws {
        for pattern in 0..<4 {
            for gpc in [nil, false, true] as [Bool?] {
                var builder = USSectionBuilder(name, version: version)
                let sensitiveSubSection: [Int]?
                if case .sensitiveData(let count) = builder.layout.subSection {
                    // The drafts' sub-section is sensitive data, not GPC: absent, all 0, or mixed.
                    sensitiveSubSection = gpc.map { flag in (0..<count).map { flag ? ($0 + pattern) % 3 : 0 } }
                    builder.sensitiveSubSection = sensitiveSubSection
                } else {
                    sensitiveSubSection = nil
                    builder.gpc = gpc  // read in every section, listed in its spec or not
                }
                var offset = pattern
                for field in builder.fields {
                    builder.values[field.name] = (0..<(field.count ?? 1)).map { _ in
                        offset += 1
                        return pattern == 3 ? 2 : offset % 3
                    }
                }
                let id = builder.layout.id
                let gpp = try GPPString.decode(gppHeader([id]) + "~" + builder.encode())
                let section = try #require(gpp.usSection(name))
                #expect(section.id == id && section.version == version)
                #expect(section.fields.map(\.name) == builder.fields.map(\.name) + (sensitiveSubSection == nil ? [] : ["SensitiveDataProcessing"]))
                for field in builder.fields {
                    #expect(section.values(field.name) == builder.values[field.name], "\(name) \(field.name)")
                }
                if let sensitiveSubSection { #expect(section.values("SensitiveDataProcessing") == sensitiveSubSection) }
                #expect(section.gpc == builder.gpc)
                // The document names every field in snake case and ends with gpc.
                let json = gpp.document.json()
                #expect(json.contains("\"\(name)\": {"))
                for field in builder.fields { #expect(json.contains("\"\(field.name.snakeCased)\": ")) }
            }
        }
    }

    /// Strings written by the IAB's iabgpp-es library (its `encode()` tests, which assert
    /// the string), with the field values those tests set.
    @Test("strings the IAB's encoder writes decode to the fields it was given")
    func iabStrings() throws {
        let usca = try #require(try GPPString.decode(gppHeader([8]) + "~BVWSSSVY.YA").usSection("usca"))
        #expect(["SaleOptOutNotice", "SharingOptOutNotice", "SensitiveDataLimitUseNotice", "SaleOptOut", "SharingOptOut"].map(usca.value) == [1, 1, 1, 1, 1])
        #expect(usca.values("SensitiveDataProcessing") == [2, 1, 0, 2, 1, 0, 2, 1, 0])
        #expect(usca.values("KnownChildSensitiveDataConsents") == [2, 1])
        #expect(["PersonalDataConsents", "MspaCoveredTransaction", "MspaOptOutOptionMode", "MspaServiceProviderMode"].map(usca.value) == [1, 1, 1, 2])
        #expect(usca.gpc == true)
        let defaults = try #require(try GPPString.decode(gppHeader([8]) + "~BAAAAABA").usSection("usca"))
        #expect(defaults.value("MspaCoveredTransaction") == 1 && defaults.gpc == nil)
        let usmd = try #require(try GPPString.decode(gppHeader([24]) + "~BVVU.YA").usSection("usmd"))
        #expect(usmd.version == 1 && usmd.fields.allSatisfy { $0.values == [1] } && usmd.fields.count == 8 && usmd.gpc == true)
        #expect(try GPPString.decode(gppHeader([24]) + "~BQAA.QA").usSection("usmd")?.value("MspaCoveredTransaction") == 1)
    }

    /// `MspaCoveredTransaction` defines 1 (yes) and 2 (no); the IAB's iabgpp.com encoder
    /// wrote 0 (LiveRamp's fixtures record such strings) and both reference decoders read it.
    /// Refusing it would throw away the opt-outs beside it, so 0 reads as "not stated".
    @Test("MspaCoveredTransaction 0 is read, and the opt-outs beside it still count")
    func coveredTransactionZero() throws {
        var usnat = USSectionBuilder("usnat", version: 1)
        usnat.values["MspaCoveredTransaction"] = [0]
        usnat.values["SaleOptOut"] = [1]
        let gpp = try GPPString.decode(gppHeader([7]) + "~" + usnat.encode())
        #expect(gpp.usSection("usnat")?.value("MspaCoveredTransaction") == 0)
        #expect(SignalMapping(settings: .standard).records(gpp).map(\.purpose) == ["advertising"])
    }

    static let rejections: [(String, String, SignalRejection.Reason, String)] = {
        var list: [(String, String, SignalRejection.Reason, String)] = []
        for layout in USSectionLayout.all {
            let header = gppHeader([layout.id]) + "~"
            var builder = USSectionBuilder(layout.name)
            let last = builder.fields.last!
            builder.values[last.name] = Array(repeating: 3, count: last.count ?? 1)
            list.append(("\(layout.name) \(last.name) 3", header + builder.encode(), .malformed, "\(last.name)"))
            builder = USSectionBuilder(layout.name, version: 3)
            list.append(("\(layout.name) version 3", header + builder.encode(), .unsupportedVersion, "is 3"))
            let full = USSectionBuilder(layout.name).encode()
            list.append(("\(layout.name) cut short", header + String(full.prefix(2)), .truncated, layout.name))
            list.append(("\(layout.name) two sub-sections", header + USSectionBuilder(layout.name).encode() + ".YA.YA", .malformed, "at most one"))
            if layout.subSection == .gpc {
                list.append(("\(layout.name) sub-section type 2", header + USSectionBuilder(layout.name).encode() + ".gA", .malformed, "SubsectionType 2"))
            } else {
                list.append(("\(layout.name) sensitive sub-section cut short", header + USSectionBuilder(layout.name).encode() + ".AA", .truncated, "SensitiveDataProcessing"))
                list.append(("\(layout.name) sensitive value 3", header + USSectionBuilder(layout.name).encode() + ".wAA", .malformed, "is 3"))
            }
        }
        // The Maryland draft's section header: SectionID 24, Version 1, sub-sections [0].
        var draft = BitWriter()
        draft.int(24, 6)
        draft.int(1, 6)
        draft.int(1, 12)
        draft.bool(false)
        draft.fibonacci(1)
        list.append(("usmd with the draft's section header", gppHeader([24]) + "~" + draft.base64url() + "AAAA", .unsupportedVersion, "public-comment draft"))
        list.append(("section id 3 in the header", gppHeader([3]) + "~BAAA", .malformed, "header itself"))
        list.append(("fewer sections than the header lists", gppHeader([7, 8]) + "~" + USSectionBuilder("usnat").encode(), .malformed, "lists 2 section(s) (7, 8)"))
        // A range of 100 million ids in a few bytes (the gppstring fuzz target's finding):
        // refused before anything is allocated for it.
        var huge = BitWriter()
        huge.int(3, 6)
        huge.int(1, 6)
        huge.int(1, 12)
        huge.bool(true)
        huge.fibonacci(1)
        huge.fibonacci(100_000_000)
        list.append(("a header range of 100 million ids", huge.base64url() + "~BAAA", .malformed, "more section ids than"))
        return list
    }()

    @Test("bad US sections are refused with a reason that names the field", arguments: rejections)
    func rejects(name: String, text: String, reason: SignalRejection.Reason, mentions: String) {
        do {
            let gpp = try GPPString.decode(text)
            Issue.record("\(name): accepted as \(gpp.document.json())")
        } catch {
            #expect(error.reason == reason, "\(name): \(error)")
            #expect(error.message.contains(mentions), "\(name): \(error)")
        }
    }

    @Test("sections joined with '~' decode in string order, each with its own decoder")
    func joinedSections() throws {
        var usca = USSectionBuilder("usca")
        usca.values["SaleOptOut"] = [1]
        var usva = USSectionBuilder("usva")
        usva.values["TargetedAdvertisingOptOut"] = [1]
        let text = [gppHeader([6, 7, 8, 9, 27]), "1YYN", USNatBuilder().encode(), usca.encode(), usva.encode(), USSectionBuilder("usri").encode()]
            .joined(separator: "~")
        let gpp = try GPPString.decode(text)
        #expect(gpp.sectionIDs == [6, 7, 8, 9, 27])
        #expect(gpp.usPrivacy?.optOutSale == .yes)
        #expect(gpp.usSections.map(\.name) == ["usnat", "usca", "usva", "usri"])
        #expect(gpp.usSection("usca")?.value("SaleOptOut") == 1 && gpp.usSection("usva")?.value("TargetedAdvertisingOptOut") == 1)
    }

    @Test("state sections map to consent records with the state's own meaning of 1 and 2")
    func mapping() throws {
        let mapping = SignalMapping(settings: .standard)
        func records(_ builder: USSectionBuilder) throws -> [String] {
            let gpp = try GPPString.decode(gppHeader([builder.layout.id]) + "~" + builder.encode())
            return mapping.records(gpp).map { "\($0.purpose)=\($0.status)@\($0.signal)" }
        }
        // California: opt-out semantics; entry 3 is precise geolocation, entry 4 groups three.
        var usca = USSectionBuilder("usca")
        usca.values["SensitiveDataProcessing"] = [0, 2, 1, 1, 0, 0, 0, 0, 0]
        usca.values["SharingOptOut"] = [1]
        #expect(
            try records(usca) == [
                "advertising=withdrawn@gpp.usca", "personalization=withdrawn@gpp.usca", "sensitive:precise_location=withdrawn@gpp.usca",
                "sensitive:ethnicity=withdrawn@gpp.usca", "sensitive:religion=withdrawn@gpp.usca",
                "sensitive:union_membership=withdrawn@gpp.usca",
            ])
        // Virginia: opt-in semantics; 2 grants, 1 denies, 0 says nothing.
        var usva = USSectionBuilder("usva")
        usva.values["SensitiveDataProcessing"] = [2, 1, 0, 0, 0, 0, 0, 2]
        #expect(try records(usva) == ["sensitive:ethnicity=granted@gpp.usva", "sensitive:religion=denied@gpp.usva", "sensitive:precise_location=granted@gpp.usva"])
        // Utah: opt-out semantics, its own order (entry 3 is sexual orientation).
        var usut = USSectionBuilder("usut")
        usut.values["SensitiveDataProcessing"] = [0, 0, 1, 2, 0, 0, 0, 0]
        #expect(try records(usut) == ["sensitive:sexual_orientation=withdrawn@gpp.usut"])
        // GPC in a state section withdraws sale and sharing purposes.
        var usco = USSectionBuilder("usco")
        usco.gpc = true
        usco.values["SaleOptOut"] = [2]
        #expect(try records(usco) == ["advertising=withdrawn@gpp.usco.gpc", "personalization=withdrawn@gpp.usco.gpc"])
        // Oregon's 11 entries: national origin is entry 7.
        var usor = USSectionBuilder("usor")
        usor.values["SensitiveDataProcessing"] = [0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0]
        #expect(try records(usor) == ["sensitive:national_origin=granted@gpp.usor"])
    }
}

extension USSectionTests {
    /// One README row per section, rendered from the layout the decoder uses.
    static func readmeRow(_ layout: USSectionLayout) -> String {
        let versions = layout.versions.keys.sorted().map { version in
            let fields = layout.versions[version]!.map { field in
                "`\(field.name)`" + (field.count.map { "×\($0)" } ?? "")
            }
            return "v\(version): `\(layout.versionField)`, " + fields.joined(separator: ", ")
        }
        let sensitive: String
        if layout.sensitiveCategories.isEmpty {
            sensitive = "none"
        } else {
            let meaning = layout.sensitivity == .consent ? "1 no consent, 2 consent" : "1 opted out, 2 did not opt out"
            sensitive = meaning + ": " + layout.sensitiveCategories.enumerated().map { "\($0.offset + 1) " + $0.element.joined(separator: "+") }.joined(separator: ", ")
        }
        let subSection: String
        switch layout.subSection {
        case .gpc: subSection = layout.hasGPC ? "GPC" : "GPC (not in the spec, read)"
        case .sensitiveData(let count): subSection = "`SensitiveDataProcessing`×\(count), no type field"
        }
        return "| \(layout.id) | `\(layout.name)` | \(layout.jurisdiction)\(layout.isDraft ? " (draft)" : "") | \(versions.joined(separator: "; ")) | \(subSection) | \(sensitive) |"
    }

    @Test("the README's US section table is the decoder's table")
    func readmeTable() throws {
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        let rows = USSectionLayout.all.map(Self.readmeRow)
        let missing = rows.filter { !readme.contains($0) }
        #expect(missing.isEmpty, "README.md lacks these rows (write them as printed):\n\(missing.joined(separator: "\n"))")
    }
}
