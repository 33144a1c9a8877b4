import FoundationEssentials
import Testing
import TierwatchCore

/// The synthetic data set is what the demo, the tests and the benchmark stand on: it must be
/// reproducible, parse under the README's contract and provoke every consent rule.
@Suite struct SyntheticDataSetTests {
    @Test func theSameSpecWritesByteIdenticalFilesAndAnotherSeedDoesNot() throws {
        var spec = SyntheticDataSpec()
        spec.events = 3000
        spec.days = 7
        spec.invalidRows = 5
        let first = try GeneratedSet(spec)
        let second = try GeneratedSet(spec)
        #expect(first.summary.eventFiles.count == 7)
        #expect(first.summary.eventFiles.first == "events/events-2026-11-02.csv")
        for name in first.fileNames {
            #expect(try first.bytes(name) == second.bytes(name), "\(name) differs between two runs")
        }
        spec.seed = 43
        let other = try GeneratedSet(spec)
        #expect(try first.bytes("consents.csv") != other.bytes("consents.csv"))
        #expect(try first.bytes("events/events-2026-11-04.csv") != other.bytes("events/events-2026-11-04.csv"))
    }

    @Test(arguments: [(2000, 7), (5000, 7), (20_000, 21), (60_000, 14)])
    func theEventCountIsWithinFivePercentOfTheTarget(events: Int, days: Int) throws {
        var spec = SyntheticDataSpec()
        spec.events = events
        spec.days = days
        let set = try GeneratedSet(spec)
        let rows = try set.eventRows()
        #expect(rows.count == set.summary.events)
        #expect(abs(Double(rows.count - events)) <= 0.05 * Double(events), "\(rows.count) rows for a target of \(events)")
        #expect(set.summary.eventFiles.count == days)
    }

    @Test func everyFileIsRFC4180WithTheCanonicalHeaderAndValidValues() throws {
        var spec = SyntheticDataSpec()
        spec.events = 20_000
        let set = try GeneratedSet(spec)
        let headers = [
            "consents.csv": "subject_id,purpose,status,recorded_at,source,jurisdiction,expires_at",
            "erasures.csv": "subject_id,requested_at",
            "surveys.csv": "response_id,submitted_at,subject_id,campaign_id,tier,csat,nps,felt_intrusive",
        ]
        for name in set.fileNames {
            let bytes = try set.bytes(name)
            #expect(!bytes.contains(0x0D), "\(name) has a CR")
            #expect(bytes.last == 0x0A, "\(name) does not end with LF")
            let records = CSVChecker.records(bytes)
            let expected = headers[name] ?? CSVChecker.canonicalEventHeader
            #expect(records.first.map { $0.fields.map(CSVChecker.text).joined(separator: ",") } == expected, "\(name)")
            for record in records {
                #expect(record.problem == nil, "\(name):\(record.line): \(record.problem ?? "")")
                #expect(record.fields.count == expected.split(separator: ",").count, "\(name):\(record.line)")
            }
        }
        let rows = try set.eventRows()
        for row in rows {
            let problem = CSVChecker.eventProblem(row, dialect: .canonical)
            #expect(problem == nil, "line \(row.line): \(problem ?? "")")
        }
        let names = Set(rows.map { CSVChecker.text($0.fields[4]) })
        #expect(names.contains { $0.contains(",") } && names.contains { $0.contains("\"") })
        #expect(names.contains("Höstrea") && names.contains("Осенняя распродажа"))
        // Quoting shows in the bytes: a doubled quote inside a quoted field.
        var quoted = false
        for file in set.summary.eventFiles {
            let bytes = try set.bytes(file)
            if CSVChecker.text(bytes).contains("\"The \"\"Insider\"\" Preview\"") { quoted = true }
        }
        #expect(quoted)

        for row in CSVChecker.records(try set.bytes("surveys.csv")).dropFirst() {
            let fields = row.fields.map(CSVChecker.text)
            #expect(CSVChecker.instant(fields[1]) != nil)
            #expect(CSVChecker.canonicalTiers.contains(fields[4]))
            #expect(fields[5].isEmpty || (1...5).contains(Int(fields[5]) ?? 0))
            #expect(fields[6].isEmpty || (0...10).contains(Int(fields[6]) ?? -1))
            #expect(["", "0", "1"].contains(fields[7]))
        }
        for row in CSVChecker.records(try set.bytes("consents.csv")).dropFirst() {
            let fields = row.fields.map(CSVChecker.text)
            #expect(["granted", "denied", "withdrawn"].contains(fields[2]))
            #expect(CSVChecker.instant(fields[3]) != nil)
            #expect(fields[6].isEmpty || CSVChecker.instant(fields[6]) != nil)
        }
    }

    @Test(arguments: [42 as UInt64, 1, 2, 3])
    func everyConsentRuleFiresOnAFewPercentOfUsesAtFiveThousandEventsOverAWeek(seed: UInt64) throws {
        var spec = SyntheticDataSpec()
        spec.events = 5000
        spec.days = 7
        spec.seed = seed
        let set = try GeneratedSet(spec)
        let check = try ConsentCheck(set)
        for rule in ConsentCheck.rules {
            #expect(check.violations[rule, default: 0] >= 1, "\(rule) never fires (seed \(seed))")
        }
        #expect(check.uses > 0)
        #expect(
            Double(check.violatingUses) < 0.08 * Double(check.uses),
            "\(check.violatingUses) of \(check.uses) uses violate")
    }

    @Test func theDataLooksLikeAPersonalizationPyramid() throws {
        var spec = SyntheticDataSpec()
        spec.events = 60_000
        let set = try GeneratedSet(spec)
        let rows = try set.eventRows().map { $0.fields.map(CSVChecker.text) }
        var delivered = [Int](repeating: 0, count: 5), conversions = [Int](repeating: 0, count: 5)
        var holdouts = 0, anonymous = 0, offsets = 0
        for row in rows {
            let tier = CSVChecker.canonicalTiers.firstIndex(of: row[5])!
            if row[7] == "delivered" { delivered[tier] += 1 }
            if row[7] == "conversion" {
                conversions[tier] += 1
                #expect(!row[8].isEmpty && !row[9].isEmpty)
            }
            if row[7] == "holdout" { holdouts += 1 }
            if row[2].isEmpty { anonymous += 1 }
            if !row[1].hasSuffix("Z") { offsets += 1 }
        }
        let rate = (0..<5).map { Double(conversions[$0]) / Double(delivered[$0]) }
        #expect(rate[4] > 2 * rate[0], "conversion per delivery \(rate)")
        let share = { (count: Int) in Double(count) / Double(rows.count) }
        #expect((0.05...0.12).contains(share(holdouts)))
        #expect((0.015...0.05).contains(share(anonymous)))
        #expect((0.06...0.14).contains(share(offsets)))
        let consentsPerEvent = Double(set.summary.consents) / Double(set.summary.events)
        #expect((0.3...0.8).contains(consentsPerEvent))
        #expect(set.summary.erasures >= 3 && set.summary.surveys > 0)
    }

    @Test(arguments: [1, 9, 40])
    func invalidRowsAddExactlyThatManyMalformedRowsAndLeaveTheValidOnesAlone(invalid: Int) throws {
        var spec = SyntheticDataSpec()
        spec.events = 5000
        spec.days = 7
        let clean = try GeneratedSet(spec)
        spec.invalidRows = invalid
        let dirty = try GeneratedSet(spec)
        #expect(dirty.summary.invalidRows == invalid)
        #expect(dirty.summary.events == clean.summary.events)
        var bad = 0
        var good: [[String]] = []
        for file in dirty.summary.eventFiles {
            let records = CSVChecker.records(try dirty.bytes(file))
            for record in records.dropFirst() {
                if record.problem != nil || CSVChecker.eventProblem(record, dialect: .canonical) != nil {
                    bad += 1
                } else {
                    good.append(record.fields.map(CSVChecker.text))
                }
            }
        }
        #expect(bad == invalid)
        #expect(good == (try clean.eventRows()).map { $0.fields.map(CSVChecker.text) })
        #expect(CSVChecker.eventProblem(try clean.eventRows()[0], dialect: .vendor) != nil)
    }

    @Test func theVendorDialectWritesTheSameEventsInTheVendorsColumnsAndValues() throws {
        var spec = SyntheticDataSpec()
        spec.events = 5000
        spec.days = 7
        let canonical = try GeneratedSet(spec)
        spec.dialect = .vendor
        let vendor = try GeneratedSet(spec)
        let vendorRows = try vendor.eventRows()
        let header = CSVChecker.records(try vendor.bytes(vendor.summary.eventFiles[0]))[0]
        #expect(header.fields.map(CSVChecker.text).joined(separator: ",")
            == "EventID,Timestamp,CustomerID,CampaignID,CampaignName,Level,Channel,Action,Revenue,Currency,DataUsed,Purpose,Region")
        for row in vendorRows {
            #expect(CSVChecker.eventProblem(row, dialect: .vendor) == nil)
        }
        let seen = Set(vendorRows.map { CSVChecker.text($0.fields[5]) })
        #expect(seen == Set(CSVChecker.vendorTiers))
        #expect(Set(vendorRows.map { CSVChecker.text($0.fields[7]) }).isSubset(of: Set(CSVChecker.vendorEventTypes)))
        #expect(Set(vendorRows.map { CSVChecker.text($0.fields[12]) }) == Set(CSVChecker.vendorJurisdictions))
        // Translated back, the rows are the canonical ones.
        let translated = vendorRows.map { row in
            var fields = row.fields.map(CSVChecker.text)
            fields[5] = CSVChecker.canonicalTiers[CSVChecker.vendorTiers.firstIndex(of: fields[5])!]
            fields[7] = CSVChecker.canonicalEventTypes[CSVChecker.vendorEventTypes.firstIndex(of: fields[7])!]
            fields[12] = CSVChecker.canonicalJurisdictions[CSVChecker.vendorJurisdictions.firstIndex(of: fields[12])!]
            return fields
        }
        #expect(translated == (try canonical.eventRows()).map { $0.fields.map(CSVChecker.text) })
        for name in ["consents.csv", "erasures.csv", "surveys.csv"] {
            #expect(try vendor.bytes(name) == canonical.bytes(name))
        }
    }

    @Test func aBrokenConsentBannerLosesTheRecordsButNotTheCampaigns() throws {
        var spec = SyntheticDataSpec()
        spec.events = 5000
        spec.days = 7
        let ordinary = try GeneratedSet(spec)
        spec.brokenConsent = 0
        let zero = try GeneratedSet(spec)
        for name in ordinary.fileNames { #expect(try ordinary.bytes(name) == zero.bytes(name), "\(name): share 0 is the ordinary set") }
        spec.brokenConsent = 1
        let broken = try GeneratedSet(spec)
        // The campaigns target as before: the same events, surveys and erasures.
        for name in ordinary.fileNames where name != "consents.csv" {
            #expect(try ordinary.bytes(name) == broken.bytes(name), "\(name) changed")
        }
        // What the banner recorded: nothing in EU and UK, one opt-out per US-CA history, the rest as before.
        func consents(_ set: GeneratedSet) throws -> [[String]] {
            try CSVChecker.records(set.bytes("consents.csv")).dropFirst().map { $0.fields.map(CSVChecker.text) }
        }
        let before = try consents(ordinary), after = try consents(broken)
        #expect(!after.contains { $0[5] == "EU" || $0[5] == "UK" })
        let california = after.filter { $0[5] == "US-CA" }
        #expect(!california.isEmpty && california.allSatisfy { $0[2] == "denied" })
        #expect(Set(california.map { "\($0[0]) \($0[1])" }).count == california.count, "one record per history")
        let elsewhere = { (rows: [[String]]) in rows.filter { !["EU", "UK", "US-CA"].contains($0[5]) } }
        #expect(elsewhere(after) == elsewhere(before))
        #expect(after.count < before.count / 3)
        spec.brokenConsent = 1.5
        #expect(throws: TierwatchError.self) { try GeneratedSet(spec) }
    }

    @Test func aMalformedStartDateIsAUsageError() {
        var spec = SyntheticDataSpec()
        spec.startDate = "2026-02-30"
        #expect(throws: TierwatchError.self) { try GeneratedSet(spec) }
    }
}

/// A data set written into a fresh temporary directory, removed when the value goes.
private final class GeneratedSet {
    let directory: String
    let summary: SyntheticDataSummary

    init(_ spec: SyntheticDataSpec) throws {
        directory = FileManager.default.temporaryDirectory.path + "/tierwatch-synthetic-" + UUID().uuidString
        do {
            summary = try writeSyntheticDataSet(spec, to: directory)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var fileNames: [String] {
        ["consents.csv", "erasures.csv", "surveys.csv"] + summary.eventFiles
    }

    func bytes(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name) else {
            throw MissingFile(path: directory + "/" + name)
        }
        return Array(data)
    }

    /// The event records of all days, headers left out.
    func eventRows() throws -> [CSVChecker.Record] {
        try summary.eventFiles.flatMap { CSVChecker.records(try bytes($0)).dropFirst() }
    }
}

private struct MissingFile: Error {
    var path: String
}

/// A strict RFC 4180 reader and the README's value rules, small enough to trust by reading.
private enum CSVChecker {
    struct Record {
        var line: Int
        var fields: [[UInt8]]
        var problem: String?
    }

    static let canonicalEventHeader =
        "event_id,occurred_at,subject_id,campaign_id,campaign_name,tier,channel,event_type,revenue,currency,"
        + "data_categories,purpose,jurisdiction"
    static let canonicalTiers = ["one_to_all", "one_to_many", "one_to_some", "one_to_few", "one_to_one"]
    static let vendorTiers = ["1:All", "1:Many", "1:Some", "1:Few", "1:1"]
    static let canonicalEventTypes = ["delivered", "open", "click", "conversion", "bounce", "unsubscribe", "holdout"]
    static let vendorEventTypes = ["Delivered", "Open", "Click", "Conversion", "Bounce", "Unsubscribe", "Holdout"]
    static let canonicalJurisdictions = ["EU", "UK", "US-CA", "US-other", "other"]
    static let vendorJurisdictions = ["EU", "UK", "US-CA", "US", "ROW"]

    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    static func records(_ bytes: [UInt8]) -> [Record] {
        var records: [Record] = []
        var i = 0
        var line = 1
        let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, newline: UInt8 = 0x0A
        while i < bytes.count {
            var record = Record(line: line, fields: [])
            var field: [UInt8] = []
            recordLoop: while true {
                if i < bytes.count && bytes[i] == quote {
                    i += 1
                    while true {
                        guard i < bytes.count else {
                            record.problem = "unterminated quote"
                            break recordLoop
                        }
                        if bytes[i] == quote {
                            if i + 1 < bytes.count && bytes[i + 1] == quote {
                                field.append(quote)
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if bytes[i] == newline { line += 1 }
                        field.append(bytes[i])
                        i += 1
                    }
                    if i < bytes.count && bytes[i] != comma && bytes[i] != newline {
                        record.problem = "text after a closing quote"
                    }
                } else {
                    while i < bytes.count && bytes[i] != comma && bytes[i] != newline {
                        if bytes[i] == quote { record.problem = "quote inside an unquoted field" }
                        field.append(bytes[i])
                        i += 1
                    }
                }
                if record.problem != nil {
                    while i < bytes.count && bytes[i] != newline { i += 1 }
                }
                record.fields.append(field)
                field = []
                if i >= bytes.count { break }
                if bytes[i] == comma {
                    i += 1
                    continue
                }
                i += 1
                line += 1
                break
            }
            records.append(record)
        }
        return records
    }

    /// Why an event row breaks the README's contract, or nil.
    static func eventProblem(_ record: Record, dialect: SyntheticDialect) -> String? {
        if let problem = record.problem { return problem }
        guard record.fields.count == 13 else { return "\(record.fields.count) fields" }
        var fields: [String] = []
        for field in record.fields {
            guard let text = String(validating: field, as: UTF8.self) else { return "invalid UTF-8" }
            fields.append(text)
        }
        let vendor = dialect == .vendor
        if fields[0].isEmpty || fields[3].isEmpty || fields[6].isEmpty { return "empty required field" }
        if instant(fields[1]) == nil { return "bad timestamp \(fields[1])" }
        if !(vendor ? vendorTiers : canonicalTiers).contains(fields[5]) { return "unknown tier \(fields[5])" }
        if !(vendor ? vendorEventTypes : canonicalEventTypes).contains(fields[7]) { return "unknown event type" }
        if !(vendor ? vendorJurisdictions : canonicalJurisdictions).contains(fields[12]) { return "unknown jurisdiction" }
        if !fields[8].isEmpty {
            let parts = fields[8].split(separator: ".", omittingEmptySubsequences: false)
            let digits = parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && Int($0) != nil }
            guard parts.count == 2, parts[1].count == 2, digits, fields[9].count == 3
            else { return "bad revenue" }
        }
        if !fields[2].isEmpty && fields[11].isEmpty { return "use without a purpose" }
        return nil
    }

    /// Milliseconds since 1970 of `2026-11-16T09:30:00Z`, `...10:30:00.250+01:00` or
    /// `2026-11-16 10:30:00+0100`, or nil.
    static func instant(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var value = 0
            for byte in b[from..<from + count] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard b.count >= 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A,
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...monthDays[month - 1]).contains(day) else { return nil }
        var i = 19
        var millis = 0
        if b[i] == 0x2E {
            guard let ms = number(20, 3) else { return nil }
            millis = ms
            i = 23
        }
        var offset = 0
        if i == b.count - 1 && b[i] == 0x5A {
            offset = 0
        } else if i < b.count, b[i] == 0x2B || b[i] == 0x2D {
            let sign = b[i] == 0x2D ? -1 : 1
            if b.count == i + 6, b[i + 3] == 0x3A, let h = number(i + 1, 2), let m = number(i + 4, 2) {
                offset = sign * (h * 60 + m)
            } else if b.count == i + 5, let h = number(i + 1, 2), let m = number(i + 3, 2) {
                offset = sign * (h * 60 + m)
            } else {
                return nil
            }
        } else {
            return nil
        }
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60
        return Int64(seconds) * 1000 + Int64(millis)
    }
}

/// The README's default policy over a generated set, written out plainly.
private struct ConsentCheck {
    static let rules = [
        "after_erasure", "no_consent", "consent_denied", "consent_withdrawn", "consent_expired",
        "profiling_without_consent", "opted_out", "sensitive_without_consent", "category_not_allowed",
    ]
    private static let sensitive: Set = ["health", "precise_location", "biometric", "genetic", "ethnicity", "religion",
                                         "political_opinion", "sexual_orientation"]
    private static let allowed: [String: Set<String>] = {
        let many: Set = ["location", "device", "demographics"]
        let some = many.union(["browsing_behavior"])
        let few = some.union(["purchase_history", "inferred_interests"])
        return ["one_to_all": [], "one_to_many": many, "one_to_some": some, "one_to_few": few,
                "one_to_one": few.union(["precise_location"])]
    }()

    private struct Consent {
        var at: Int64
        var status: String
        var expires: Int64?
    }

    var uses = 0
    var violatingUses = 0
    var violations: [String: Int] = [:]

    init(_ set: GeneratedSet) throws {
        var consents: [String: [Consent]] = [:]
        for record in CSVChecker.records(try set.bytes("consents.csv")).dropFirst() {
            let f = record.fields.map(CSVChecker.text)
            let expires = f[6].isEmpty ? nil : CSVChecker.instant(f[6])
            consents[f[0] + "|" + f[1], default: []].append(
                Consent(at: CSVChecker.instant(f[3])!, status: f[2], expires: expires))
        }
        var erasures: [String: Int64] = [:]
        for record in CSVChecker.records(try set.bytes("erasures.csv")).dropFirst() {
            let f = record.fields.map(CSVChecker.text)
            erasures[f[0]] = min(erasures[f[0]] ?? .max, CSVChecker.instant(f[1])!)
        }
        func state(_ subject: String, _ purpose: String, _ t: Int64) -> String {
            let known = (consents[subject + "|" + purpose] ?? []).filter { $0.at <= t }
            guard let latest = known.map(\.at).max() else { return "none" }
            let top = known.filter { $0.at == latest }
            if top.contains(where: { $0.status == "withdrawn" }) { return "withdrawn" }
            if top.contains(where: { $0.status == "denied" }) { return "denied" }
            if top.contains(where: { ($0.expires ?? .max) <= t }) { return "expired" }
            return "granted"
        }
        for row in try set.eventRows() {
            let f = row.fields.map(CSVChecker.text)
            let subject = f[2], tier = f[5], purpose = f[11], jurisdiction = f[12]
            guard !subject.isEmpty else { continue }
            let t = CSVChecker.instant(f[1])!
            let categories = Set(f[10].split(separator: ";").map(String.init))
            let optIn = jurisdiction == "EU" || jurisdiction == "UK"
            var broken: [String] = []
            if let erased = erasures[subject], erased <= t { broken.append("after_erasure") }
            if optIn && !(tier == "one_to_all" && categories.isEmpty) {
                switch state(subject, purpose, t) {
                case "none": broken.append("no_consent")
                case "denied": broken.append("consent_denied")
                case "withdrawn": broken.append("consent_withdrawn")
                case "expired": broken.append("consent_expired")
                default: break
                }
            }
            if optIn && (tier == "one_to_few" || tier == "one_to_one") && purpose != "profiling"
                && state(subject, "profiling", t) != "granted"
            {
                broken.append("profiling_without_consent")
            }
            if jurisdiction == "US-CA" && ["denied", "withdrawn"].contains(state(subject, purpose, t)) {
                broken.append("opted_out")
            }
            if !categories.isDisjoint(with: Self.sensitive) && (optIn || jurisdiction == "US-CA")
                && state(subject, purpose, t) != "granted"
            {
                broken.append("sensitive_without_consent")
            }
            if !categories.isSubset(of: Self.allowed[tier]!) { broken.append("category_not_allowed") }
            uses += 1
            if !broken.isEmpty { violatingUses += 1 }
            for rule in broken { violations[rule, default: 0] += 1 }
        }
    }
}
