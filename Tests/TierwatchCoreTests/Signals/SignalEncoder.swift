@testable import TierwatchCore

/// A test-only bit writer: builds TCF and GPP strings field by field, independently of the
/// decoder, so tests can round-trip every field and corrupt exactly one thing at a time.
struct BitWriter {
    var bits: [Bool] = []

    mutating func int(_ value: Int, _ width: Int) {
        for shift in stride(from: width - 1, through: 0, by: -1) { bits.append((value >> shift) & 1 == 1) }
    }

    mutating func bool(_ value: Bool) { bits.append(value) }

    mutating func bitField(_ ids: [Int], _ count: Int) {
        for id in 1...max(count, 1) where count > 0 { bits.append(ids.contains(id)) }
    }

    mutating func letters(_ text: String) {
        for scalar in text.unicodeScalars { int(Int(scalar.value) - 65, 6) }
    }

    /// Fibonacci code word: bit i weighs F(i+2) (1, 2, 3, 5 ...), then a closing 1.
    mutating func fibonacci(_ value: Int) {
        var fibs = [1, 2]
        while fibs.last! <= value { fibs.append(fibs[fibs.count - 1] + fibs[fibs.count - 2]) }
        var word = Array(repeating: false, count: fibs.count)
        var rest = value
        for index in stride(from: fibs.count - 1, through: 0, by: -1) where fibs[index] <= rest {
            word[index] = true
            rest -= fibs[index]
        }
        while word.last == false { word.removeLast() }
        bits += word + [true]
    }

    mutating func raw(_ text: String) { for character in text where character != " " { bits.append(character == "1") } }

    /// base64url, zero-padded to a multiple of `padTo` bits (6: GPP; 8 or 24: TCF encoders).
    func base64url(padTo: Int = 6) -> String {
        var padded = bits
        while padded.count % padTo != 0 || padded.count % 6 != 0 { padded.append(false) }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var text = ""
        for start in stride(from: 0, to: padded.count, by: 6) {
            var value = 0
            for bit in padded[start..<start + 6] { value = value << 1 | (bit ? 1 : 0) }
            text.append(alphabet[value])
        }
        return text
    }
}

/// The fields of a TC string, with defaults a CMP might write.
struct TCBuilder {
    var version = 2
    var created: Int64 = 17_636_544_000  // deciseconds: 2025-11-20T16:00:00Z
    var lastUpdated: Int64 = 17_636_580_000
    var cmpID = 300
    var cmpVersion = 7
    var consentScreen = 2
    var language = "EN"
    var vendorListVersion = 140
    var policyVersion = 5
    var serviceSpecific = true
    var nonStandardTexts = false
    var specialFeatures: [Int] = [1]
    var purposes: [Int] = [1, 2, 3, 4, 7]
    var interests: [Int] = [2, 7, 8]
    var purposeOneTreatment = false
    var country = "SE"
    var vendorConsents = VendorSpec(max: 12, range: false, ids: [[1], [5], [12]])
    var vendorInterests = VendorSpec(max: 0, range: false, ids: [])
    var restrictions: [(purpose: Int, type: Int, vendors: [[Int]])] = []
    var disclosed: VendorSpec?
    /// Segment type 2 (allowed vendors), written after disclosed vendors.
    var allowed: VendorSpec?
    var publisherTC: (consents: [Int], interests: [Int], custom: Int, customConsents: [Int], customInterests: [Int])?
    var padTo = 24

    /// A vendor section: ids as single ids `[5]` or ranges `[1, 4]`.
    struct VendorSpec {
        var max: Int
        var range: Bool
        var ids: [[Int]]

        var expanded: [Int] { ids.flatMap { $0.count == 1 ? [$0[0]] : Array($0[0]...$0[1]) }.sorted() }

        func write(_ writer: inout BitWriter) {
            writer.int(max, 16)
            writer.bool(range)
            if range { BitWriter.ranges(ids, &writer) } else { writer.bitField(expanded, max) }
        }
    }

    var core: BitWriter {
        var w = BitWriter()
        w.int(version, 6)
        w.int(Int(created), 36)
        w.int(Int(lastUpdated), 36)
        w.int(cmpID, 12)
        w.int(cmpVersion, 12)
        w.int(consentScreen, 6)
        w.letters(language)
        w.int(vendorListVersion, 12)
        w.int(policyVersion, 6)
        w.bool(serviceSpecific)
        w.bool(nonStandardTexts)
        w.bitField(specialFeatures, 12)
        w.bitField(purposes, 24)
        w.bitField(interests, 24)
        w.bool(purposeOneTreatment)
        w.letters(country)
        vendorConsents.write(&w)
        vendorInterests.write(&w)
        w.int(restrictions.count, 12)
        for entry in restrictions {
            w.int(entry.purpose, 6)
            w.int(entry.type, 2)
            BitWriter.ranges(entry.vendors, &w)
        }
        return w
    }

    func encode() -> String {
        var segments = [core.base64url(padTo: padTo)]
        if let disclosed {
            var w = BitWriter()
            w.int(1, 3)
            disclosed.write(&w)
            segments.append(w.base64url(padTo: padTo))
        }
        if let allowed {
            var w = BitWriter()
            w.int(2, 3)
            allowed.write(&w)
            segments.append(w.base64url(padTo: padTo))
        }
        if let publisherTC {
            var w = BitWriter()
            w.int(3, 3)
            w.bitField(publisherTC.consents, 24)
            w.bitField(publisherTC.interests, 24)
            w.int(publisherTC.custom, 6)
            w.bitField(publisherTC.customConsents, publisherTC.custom)
            w.bitField(publisherTC.customInterests, publisherTC.custom)
            segments.append(w.base64url(padTo: padTo))
        }
        return segments.joined(separator: ".")
    }
}

extension BitWriter {
    static func ranges(_ ids: [[Int]], _ writer: inout BitWriter) {
        writer.int(ids.count, 12)
        for entry in ids {
            writer.bool(entry.count == 2)
            writer.int(entry[0], 16)
            if entry.count == 2 { writer.int(entry[1], 16) }
        }
    }
}

/// usnat core fields in encoding order (version 1: 12 sensitive, 2 child; version 2: 16, 3).
struct USNatBuilder {
    var version = 1
    var notices = [1, 1, 1, 1, 0, 0]
    var optOuts = [2, 2, 2]  // sale, sharing, targeted advertising
    var sensitive: [Int] = Array(repeating: 0, count: 12)
    var child: [Int] = [0, 0]
    var personal = 0
    var mspa = [2, 0, 0]
    var gpc: Bool?

    func encode() -> String {
        var w = BitWriter()
        w.int(version, 6)
        for value in notices + optOuts + sensitive + child + [personal] + mspa { w.int(value, 2) }
        var text = w.base64url()
        if let gpc { text += "." + gpcSubSection(gpc) }
        return text
    }
}

/// The GPC sub-section of a US section: `SubsectionType` 1, then the flag.
func gpcSubSection(_ flag: Bool) -> String {
    var sub = BitWriter()
    sub.int(1, 2)
    sub.bool(flag)
    return sub.base64url()
}

/// A GPP header for the given section ids (each a single entry, offsets from the previous).
func gppHeader(_ ids: [Int]) -> String {
    var w = BitWriter()
    w.int(3, 6)
    w.int(1, 6)
    w.int(ids.count, 12)
    var last = 0
    for id in ids {
        w.bool(false)
        w.fibonacci(id - last)
        last = id
    }
    return w.base64url()
}

/// Any US section (ids 7-27) built from its layout: every field 0 unless set, except
/// `MspaCoveredTransaction` 1 (yes), as encoders write it. The layout drives the field order, so this
/// checks the decoder's mechanics; the table itself is checked against the IAB's own
/// encoder's strings (`USSectionTests.iabStrings`, the conformance suites).
struct USSectionBuilder {
    let layout: USSectionLayout
    var version: Int
    var values: [String: [Int]] = [:]
    var gpc: Bool?
    /// The drafts' sensitive-data sub-section (`SensitiveDataProcessing` after a `.`).
    var sensitiveSubSection: [Int]?

    init(_ name: String, version: Int? = nil) {
        layout = USSectionLayout.all.first { $0.name == name }!
        self.version = version ?? layout.versions.keys.max()!
    }

    /// The fields of `version` (those of the newest version when `version` is unknown).
    var fields: [USSectionLayout.Field] { layout.versions[version] ?? layout.versions[layout.versions.keys.max()!]! }

    func value(_ field: USSectionLayout.Field) -> [Int] {
        values[field.name] ?? Array(repeating: field.name == "MspaCoveredTransaction" ? 1 : 0, count: field.count ?? 1)
    }

    func encode() -> String {
        var w = BitWriter()
        w.int(version, 6)
        for field in fields {
            for value in value(field) { w.int(value, 2) }
        }
        var text = w.base64url()
        if let gpc { text += "." + gpcSubSection(gpc) }
        if let sensitiveSubSection {
            var sub = BitWriter()
            for value in sensitiveSubSection { sub.int(value, 2) }
            text += "." + sub.base64url()
        }
        return text
    }
}
