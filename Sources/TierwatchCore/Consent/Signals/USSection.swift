/// A decoded IAB US privacy section of a GPP string (`usnat`, `usca` ... `usri`): its
/// version, every core field by its spec name, and the GPC sub-section's flag.
///
/// Values are the spec's 2-bit codes, kept as they are (0 not applicable, 1 and 2 as the
/// field defines, 3 never valid): a compliance officer compares them with the section's
/// field table, and `SignalMapping` gives them meaning.
package struct USSection: Sendable, Equatable {
    /// One field: a single value, or the entries of an `N-Bitfield(2, n)`.
    package struct Field: Sendable, Equatable {
        package let name: String
        package let values: [Int]
        package let isList: Bool
    }

    package let id: Int
    package let name: String
    package let version: Int
    package let fields: [Field]
    /// The GPC sub-section's flag, when the string carries the sub-section.
    package let gpc: Bool?

    package var layout: USSectionLayout { USSectionLayout.layout(id: id)! }

    /// The value of a single-value field, nil when the section has no such field.
    package func value(_ name: String) -> Int? {
        fields.first { $0.name == name && !$0.isList }?.values.first
    }

    /// The entries of a field (one entry for a single-value field; empty when absent).
    package func values(_ name: String) -> [Int] {
        fields.first { $0.name == name }?.values ?? []
    }

    /// Decodes section `layout.id`'s text: `core[.subsection]...`, each base64url.
    package static func decode(_ text: Substring, layout: USSectionLayout) throws(SignalRejection) -> USSection {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var core = try BitReader(base64url: parts[0], context: "GPP \(layout.name) core")
        let version = try core.int(6, layout.versionField)
        guard var fieldList = layout.versions[version] else {
            let known = layout.versions.keys.sorted().map(String.init).joined(separator: " and ")
            var message = "\(layout.name) \(layout.versionField) is \(version); this decoder reads version \(known)"
            if layout.isDraft && version == layout.id {
                message += " (the string opens with SectionID \(layout.id), the section header of the \(layout.jurisdiction) public-comment draft, which no released encoder writes)"
            }
            throw SignalRejection(.unsupportedVersion, message)
        }
        // usnat strings in the wild disagree with their Version: one iabgpp-es release wrote
        // version 1 with version 2's 16 sensitive and 3 child entries, and version 2 strings
        // with version 1's 12 and 2 exist too. The bits decide, as in iabgpp-es: a core with
        // room for the 16/3 layout (70 bits) is read with it, a shorter one with 12/2, and a
        // version 2 read with 12/2 is widened with 0 (not applicable), as iabgpp-es does.
        var widen = false
        if layout.id == 7, let long = layout.versions[2], let short = layout.versions[1] {
            let longBits = long.reduce(0) { $0 + 2 * ($1.count ?? 1) }
            fieldList = core.remaining >= longBits ? long : short
            widen = version == 2 && core.remaining < longBits
        }
        var fields: [Field] = []
        fields.reserveCapacity(fieldList.count)
        for field in fieldList {
            var values: [Int] = []
            for index in 1...(field.count ?? 1) {
                let label = field.count == nil ? field.name : "\(field.name)[\(index)]"
                let value = try core.int(2, label)
                // 3 is defined nowhere. 0 in MspaCoveredTransaction (defined: 1 yes, 2 no) is
                // read as "not stated": the IAB's own encoder wrote it and both reference
                // decoders read it, and refusing would discard the opt-outs beside it.
                if value == 3 {
                    throw SignalRejection(.malformed, "\(layout.name) \(label) is \(value), which the spec does not define")
                }
                values.append(value)
            }
            fields.append(Field(name: field.name, values: values, isList: field.count != nil))
        }
        if widen, let long = layout.versions[2] {
            fields = zip(fields, long).map { field, wide in
                Field(name: field.name, values: field.values + Array(repeating: 0, count: (wide.count ?? 1) - field.values.count), isList: field.isList)
            }
        }
        try core.finish()
        var gpc: Bool?
        guard parts.count <= 2 else {
            throw SignalRejection(.malformed, "\(layout.name) has \(parts.count - 1) sub-sections; a US section carries at most one")
        }
        if parts.count == 2 {
            var reader = try BitReader(base64url: parts[1], context: "GPP \(layout.name) sub-section")
            switch layout.subSection {
            case .gpc:
                let type = try reader.int(2, "SubsectionType")
                guard type == 1 else {
                    throw SignalRejection(.malformed, "\(layout.name) sub-section has SubsectionType \(type); expected 1 (GPC)")
                }
                gpc = try reader.bool("Gpc")
            case .sensitiveData(let count):
                var values: [Int] = []
                for index in 1...count {
                    let value = try reader.int(2, "SensitiveDataProcessing[\(index)]")
                    guard value != 3 else {
                        throw SignalRejection(.malformed, "\(layout.name) SensitiveDataProcessing[\(index)] is 3, which the spec does not define")
                    }
                    values.append(value)
                }
                fields.append(Field(name: "SensitiveDataProcessing", values: values, isList: true))
            }
            try reader.finish()
        }
        return USSection(id: layout.id, name: layout.name, version: version, fields: fields, gpc: gpc)
    }
}

extension String {
    /// `SaleOptOutNotice` → `sale_opt_out_notice`: spec field names as `consent decode` keys.
    var snakeCased: String {
        var out = ""
        for character in self {
            if character.isUppercase {
                if !out.isEmpty { out.append("_") }
                out.append(contentsOf: character.lowercased())
            } else {
                out.append(character)
            }
        }
        return out
    }
}
