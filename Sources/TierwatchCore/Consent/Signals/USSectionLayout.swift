/// The bit layout of one IAB US privacy section of a GPP string (section ids 7 to 27): the
/// fields of its core sub-section in encoding order, per section version, and what its
/// `SensitiveDataProcessing` values mean.
///
/// Transcribed from each section's technical specification in the IAB's
/// Global-Privacy-Platform repository (`Sections/US-National`, `Sections/US-States/XX`) and
/// checked field by field against the IAB's iabgpp-es library (`UsXxCoreSegment.ts`), which
/// agree for ids 7-23. Ids 24-27 are public-comment drafts (October 2025) whose text adds a
/// section header (SectionID, Version, SubSections) that iabgpp-es does not write; Tierwatch
/// reads the layout iabgpp-es writes and CMPs ship (`MspaVersion` first, the sub-section
/// after a `.`), and refuses the draft header by name (see `USSection.decode`). Every field is `Int(2)` or an `N-Bitfield(2, n)` after the
/// `Int(6)` version, so a layout is a list of names and counts.
package struct USSectionLayout: Sendable {
    /// One field after the version: a 2-bit value, or `count` 2-bit values.
    package struct Field: Sendable {
        package let name: String
        /// `nil` for an `Int(2)`; the number of entries of an `N-Bitfield(2, n)`.
        package let count: Int?

        static func int(_ name: String) -> Field { Field(name: name, count: nil) }
        static func list(_ name: String, _ count: Int) -> Field { Field(name: name, count: count) }
    }

    /// What `SensitiveDataProcessing`'s 1 and 2 say: "no consent / consent" in opt-in
    /// states, "opted out / did not opt out" in California, Utah and Iowa.
    package enum Sensitivity: String, Sendable {
        case consent, optOut = "opt_out"
    }

    /// The GPP section id.
    package let id: Int
    /// The client-side API prefix (`usca`), also the section's key in `consent decode`.
    package let name: String
    package let jurisdiction: String
    /// The 6-bit field that opens the section: `Version`, or `MspaVersion` in ids 24-27.
    package let versionField: String
    /// Fields after the version field, per version this decoder reads.
    package let versions: [Int: [Field]]
    /// What a `.`-separated part after the core holds.
    package enum SubSection: Sendable, Equatable {
        /// `SubsectionType` Int(2) = 1, then `Gpc`.
        case gpc
        /// `SensitiveDataProcessing` as an N-Bitfield(2, n), with no type field: the drafts'
        /// "Sensitive Data Consents" sub-section as iabgpp-es writes it.
        case sensitiveData(Int)
    }

    /// The sub-section this section may carry (at most one).
    package let subSection: SubSection

    /// Whether the section's spec lists the GPC sub-section (`SubsectionType` 1, then
    /// `Gpc`). The decoder reads it after any US section: GPC is one of GPP's reusable
    /// sub-sections, which "may be added to any section", and both reference decoders read
    /// it where a state's spec does not list it.
    package let hasGPC: Bool
    package let sensitivity: Sensitivity
    /// `SensitiveDataProcessing` entries in order, as Tierwatch category names (several
    /// where the law groups them, as California's entry 4 does); a version with fewer
    /// entries uses the first ones.
    package let sensitiveCategories: [[String]]

    package static func layout(id: Int) -> USSectionLayout? { byID[id] }

    private static let byID: [Int: USSectionLayout] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The MSPA fields every section from 7 to 23 ends with.
    private static let mspa: [Field] = [.int("MspaCoveredTransaction"), .int("MspaOptOutOptionMode"), .int("MspaServiceProviderMode")]

    /// The fields of the states that follow Virginia's model: a notice (`SharingNotice` or
    /// `ProcessingNotice`), opt-outs of sale and targeted advertising, sensitive data, known
    /// children (one `Int(2)` when `child` is nil), then the MSPA fields.
    private static func optOuts(_ notice: String, sensitive: Int, child: Int?, additional: Bool = true, extraNotice: String? = nil)
        -> [Field]
    {
        var fields: [Field] = [.int(notice), .int("SaleOptOutNotice"), .int("TargetedAdvertisingOptOutNotice")]
        if let extraNotice { fields.append(.int(extraNotice)) }
        fields += [.int("SaleOptOut"), .int("TargetedAdvertisingOptOut"), .list("SensitiveDataProcessing", sensitive)]
        fields.append(child.map { .list("KnownChildSensitiveDataConsents", $0) } ?? .int("KnownChildSensitiveDataConsents"))
        if additional { fields.append(.int("AdditionalDataProcessingConsent")) }
        return fields + mspa
    }

    private static func usnat(sensitive: Int, child: Int) -> [Field] {
        [
            .int("SharingNotice"), .int("SaleOptOutNotice"), .int("SharingOptOutNotice"), .int("TargetedAdvertisingOptOutNotice"),
            .int("SensitiveDataProcessingOptOutNotice"), .int("SensitiveDataLimitUseNotice"), .int("SaleOptOut"),
            .int("SharingOptOut"), .int("TargetedAdvertisingOptOut"), .list("SensitiveDataProcessing", sensitive),
            .list("KnownChildSensitiveDataConsents", child), .int("PersonalDataConsents"),
        ] + mspa
    }

    /// The four drafts: MSPA fields first; sensitive data, where a draft has it, in a
    /// sub-section (`subSection`).
    private static func draft(child: Bool) -> [Field] {
        var fields: [Field] = [
            .int("MspaCoveredTransaction"), .int("MspaMode"), .int("ProcessingNotice"), .int("SaleOptOutNotice"),
            .int("TargetedAdvertisingOptOutNotice"), .int("SaleOptOut"), .int("TargetedAdvertisingOptOut"),
        ]
        if child { fields.append(.int("KnownChildSensitiveDataConsents")) }
        return fields + [.int("AdditionalDataProcessingConsent")]
    }

    // Category lists, from each spec's numbered SensitiveDataProcessing entries.
    private static let ethnicity = ["ethnicity"], religion = ["religion"], health = ["health"]
    private static let sexual = ["sexual_orientation"], citizenship = ["citizenship_or_immigration_status"]
    private static let genetic = ["genetic"], biometric = ["biometric"], location = ["precise_location"]
    private static let transgender = ["transgender_or_nonbinary_status"], financial = ["financial_account"]
    /// Virginia's eight, which most states copy.
    private static let virginia = [ethnicity, religion, health, sexual, citizenship, genetic, biometric, location]

    /// Every section, by id.
    package static let all: [USSectionLayout] = [
        USSectionLayout(
            id: 7, name: "usnat", jurisdiction: "US National (MSPA)", versionField: "Version",
            versions: [1: usnat(sensitive: 12, child: 2), 2: usnat(sensitive: 16, child: 3)], subSection: .gpc, hasGPC: true,
            sensitivity: .consent,
            sensitiveCategories: [
                ethnicity, religion, health, sexual, citizenship, genetic, biometric, location, ["government_id"], financial,
                ["union_membership"], ["communications_contents"], health, ["crime_victim_status"],
                ["national_origin"], transgender,
            ]),
        USSectionLayout(
            id: 8, name: "usca", jurisdiction: "California", versionField: "Version",
            versions: [
                1: [
                    .int("SaleOptOutNotice"), .int("SharingOptOutNotice"), .int("SensitiveDataLimitUseNotice"), .int("SaleOptOut"),
                    .int("SharingOptOut"), .list("SensitiveDataProcessing", 9), .list("KnownChildSensitiveDataConsents", 2),
                    .int("PersonalDataConsents"),
                ] + mspa
            ], subSection: .gpc, hasGPC: true, sensitivity: .optOut,
            sensitiveCategories: [
                ["government_id"], financial, location, ["ethnicity", "religion", "union_membership"], ["communications_contents"],
                genetic, biometric, health, sexual,
            ]),
        state(9, "usva", "Virginia", optOuts("SharingNotice", sensitive: 8, child: nil, additional: false), gpc: false),
        state(
            10, "usco", "Colorado", optOuts("SharingNotice", sensitive: 7, child: nil, additional: false),
            categories: Array(virginia.prefix(7))),
        state(
            11, "usut", "Utah",
            optOuts("SharingNotice", sensitive: 8, child: nil, additional: false, extraNotice: "SensitiveDataProcessingOptOutNotice"),
            gpc: false, sensitivity: .optOut, categories: [ethnicity, religion, sexual, citizenship, health, genetic, biometric, location]),
        state(12, "usct", "Connecticut", optOuts("SharingNotice", sensitive: 8, child: 3, additional: false)),
        state(13, "usfl", "Florida", optOuts("ProcessingNotice", sensitive: 8, child: 3), gpc: false),
        state(14, "usmt", "Montana", optOuts("SharingNotice", sensitive: 8, child: 3)),
        state(
            15, "usor", "Oregon", optOuts("ProcessingNotice", sensitive: 11, child: 3),
            categories: [
                ethnicity, religion, health, sexual, transgender, citizenship, ["national_origin"], ["crime_victim_status"], genetic,
                biometric, location,
            ]),
        state(16, "ustx", "Texas", optOuts("ProcessingNotice", sensitive: 8, child: nil)),
        state(17, "usde", "Delaware", optOuts("ProcessingNotice", sensitive: 9, child: 5), categories: virginia + [transgender]),
        state(
            18, "usia", "Iowa",
            optOuts("ProcessingNotice", sensitive: 8, child: nil, additional: false, extraNotice: "SensitiveDataOptOutNotice"),
            sensitivity: .optOut),
        state(19, "usne", "Nebraska", optOuts("ProcessingNotice", sensitive: 8, child: nil)),
        state(20, "usnh", "New Hampshire", optOuts("ProcessingNotice", sensitive: 8, child: 3)),
        state(
            21, "usnj", "New Jersey", optOuts("ProcessingNotice", sensitive: 10, child: 5),
            categories: virginia + [transgender, financial]),
        state(22, "ustn", "Tennessee", optOuts("ProcessingNotice", sensitive: 8, child: nil)),
        state(23, "usmn", "Minnesota", optOuts("ProcessingNotice", sensitive: 8, child: nil)),
        draft(24, "usmd", "Maryland", child: false, gpc: true),
        draft(25, "usin", "Indiana", child: true, gpc: false),
        draft(26, "usky", "Kentucky", child: true, gpc: false),
        draft(27, "usri", "Rhode Island", child: true, gpc: false),
    ]

    private static func state(
        _ id: Int, _ name: String, _ jurisdiction: String, _ fields: [Field], gpc: Bool = true,
        sensitivity: Sensitivity = .consent, categories: [[String]] = virginia
    ) -> USSectionLayout {
        USSectionLayout(
            id: id, name: name, jurisdiction: jurisdiction, versionField: "Version", versions: [1: fields], subSection: .gpc,
            hasGPC: gpc, sensitivity: sensitivity, sensitiveCategories: categories)
    }

    /// Maryland carries GPC; Indiana, Kentucky and Rhode Island an optional sensitive-data
    /// sub-section of Virginia's eight categories, by consent.
    private static func draft(_ id: Int, _ name: String, _ jurisdiction: String, child: Bool, gpc: Bool) -> USSectionLayout {
        USSectionLayout(
            id: id, name: name, jurisdiction: jurisdiction, versionField: "MspaVersion", versions: [1: draft(child: child)],
            subSection: gpc ? .gpc : .sensitiveData(8), hasGPC: gpc, sensitivity: .consent, sensitiveCategories: gpc ? [] : virginia)
    }

    /// The draft sections, whose spec text opens with a section header.
    package var isDraft: Bool { versionField == "MspaVersion" }
}
