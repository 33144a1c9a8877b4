/// Decoded signal fields as an ordered tree, printed as JSON or as an aligned table.
///
/// Keys keep the spec's field order (a dictionary would not), so `consent decode` output
/// can be read side by side with the spec's field table and is byte-stable.
package indirect enum SignalDocument: Sendable, Equatable {
    case int(Int)
    case bool(Bool)
    case text(String)
    case null
    case list([SignalDocument])
    case object([(String, SignalDocument)])

    package static func == (a: SignalDocument, b: SignalDocument) -> Bool { a.json() == b.json() }

    static func ints(_ values: [Int]) -> SignalDocument { .list(values.map(SignalDocument.int)) }

    /// Pretty JSON, two-space indent, keys in field order.
    package func json(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .int(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .text(let value): return Self.quote(value)
        case .list(let items):
            if items.isEmpty { return "[]" }
            if items.allSatisfy({ if case .int = $0 { true } else { false } }) {
                return "[" + items.map { $0.json() }.joined(separator: ", ") + "]"
            }
            return "[\n" + items.map { inner + $0.json(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { inner + Self.quote($0.0) + ": " + $0.1.json(indent: inner) }.joined(separator: ",\n")
                + "\n" + indent + "}"
        }
    }

    /// `path<TAB>value` lines (`vendor_consents.ids  1, 2, 3`), for a terminal.
    package func lines(prefix: String = "") -> [String] {
        switch self {
        case .object(let members):
            return members.flatMap { $0.1.lines(prefix: prefix.isEmpty ? $0.0 : prefix + "." + $0.0) }
        case .list(let items) where !items.allSatisfy({ if case .int = $0 { true } else { false } }):
            return items.enumerated().flatMap { $0.element.lines(prefix: prefix + "[\($0.offset + 1)]") }
        case .list(let items):
            return [prefix + "\t" + (items.isEmpty ? "(none)" : items.map { $0.json() }.joined(separator: ", "))]
        case .text(let value): return [prefix + "\t" + value]
        default: return [prefix + "\t" + json()]
        }
    }

    private static func quote(_ text: String) -> String {
        var out = ""
        JSONText.quote(text, into: &out)
        return out
    }
}

extension VendorSet {
    var document: SignalDocument {
        .object([("max_vendor_id", .int(maxVendorID)), ("encoding", .text(encoding.rawValue)), ("ids", .ints(ids))])
    }
}

extension TCString {
    /// Every field, named as in the spec (snake case), in encoding order. Times are UTC.
    package var document: SignalDocument {
        var members: [(String, SignalDocument)] = [
            ("format", .text("tcf")),
            ("version", .int(version)),
            ("created", .text(CivilCalendar.utcString(created * 100))),
            ("last_updated", .text(CivilCalendar.utcString(lastUpdated * 100))),
            ("cmp_id", .int(cmpID)),
            ("cmp_version", .int(cmpVersion)),
            ("consent_screen", .int(consentScreen)),
            ("consent_language", .text(consentLanguage)),
            ("vendor_list_version", .int(vendorListVersion)),
            ("tcf_policy_version", .int(policyVersion)),
            ("is_service_specific", .bool(isServiceSpecific)),
            ("use_non_standard_texts", .bool(useNonStandardTexts)),
            ("special_feature_opt_ins", .ints(specialFeatureOptIns)),
            ("purposes_consent", .ints(purposeConsents)),
            ("purposes_li_transparency", .ints(purposeLegitimateInterests)),
            ("purpose_one_treatment", .bool(purposeOneTreatment)),
            ("publisher_cc", .text(publisherCountry)),
            ("vendor_consents", vendorConsents.document),
            ("vendor_legitimate_interests", vendorLegitimateInterests.document),
            (
                "publisher_restrictions",
                .list(
                    publisherRestrictions.map { entry in
                        .object([
                            ("purpose_id", .int(entry.purpose)), ("restriction_type", .int(entry.kind.rawValue)),
                            ("restriction", .text(entry.kind.name)),
                            ("vendor_ids", .ints(entry.vendors.flatMap { Array($0) })),
                        ])
                    })
            ),
        ]
        members.append(("disclosed_vendors", disclosedVendors?.document ?? .null))
        members.append(("allowed_vendors", allowedVendors?.document ?? .null))
        if let publisherTC {
            members.append(
                (
                    "publisher_tc",
                    .object([
                        ("pub_purposes_consent", .ints(publisherTC.purposeConsents)),
                        ("pub_purposes_li_transparency", .ints(publisherTC.purposeLegitimateInterests)),
                        ("num_custom_purposes", .int(publisherTC.customPurposeCount)),
                        ("custom_purposes_consent", .ints(publisherTC.customPurposeConsents)),
                        ("custom_purposes_li_transparency", .ints(publisherTC.customPurposeLegitimateInterests)),
                    ])
                ))
        } else {
            members.append(("publisher_tc", .null))
        }
        return .object(members)
    }
}

extension USPrivacyString {
    package var document: SignalDocument {
        .object([
            ("format", .text("us_privacy")), ("version", .int(version)), ("explicit_notice", .text(explicitNotice.name)),
            ("opt_out_sale", .text(optOutSale.name)), ("lspa_covered", .text(lspaCovered.name)),
        ])
    }
}

extension USSection {
    /// `version`, then every field under its snake-case spec name (lists for bit fields),
    /// then `gpc` (null without the sub-section).
    package var document: SignalDocument {
        var members: [(String, SignalDocument)] = [(layout.versionField == "Version" ? "version" : layout.versionField.snakeCased, .int(version))]
        for field in fields {
            members.append((field.name.snakeCased, field.isList ? .ints(field.values) : .int(field.values[0])))
        }
        members.append(("gpc", gpc.map(SignalDocument.bool) ?? .null))
        return .object(members)
    }
}

extension GPPString {
    package var document: SignalDocument {
        var sections: [(String, SignalDocument)] = []
        for id in sectionIDs {
            let name = Self.decodedSections[id] ?? Self.undecodedSections[id] ?? "section_\(id)"
            switch id {
            case 2: sections.append((name, tcfEU?.document ?? .null))
            case 6: sections.append((name, usPrivacy?.document ?? .null))
            default: sections.append((name, usSections.first { $0.id == id }?.document ?? .text("not decoded")))
            }
        }
        return .object([
            ("format", .text("gpp")), ("version", .int(version)), ("section_ids", .ints(sectionIDs)),
            ("sections", .object(sections)),
        ])
    }
}
