import Foundation
import Testing

@testable import TierwatchCore

/// The violation log writes rows from the input's bytes; these check that path against the
/// cell values it replaced, and the counts and evidence it keeps.
@Suite("Violation log")
struct ViolationLogTests {
    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "tierwatch-violations-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func bytes(_ text: String, _ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        try Array(text.utf8).withUnsafeBytes(body)
    }

    @Test("cells written from bytes are the cells written as values, in both modes", arguments: CSVMode.allCases)
    func cellsFromBytes(mode: CSVMode) throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let values = [
            "plain", "", "=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "a,b", "say \"hi\"", "two\nlines", "=a,b",
            "Zürich", "-12.5",
        ]
        let asValues = try CSVWriter(path: directory + "/values.csv", header: ["a", "b"], mode: mode)
        let asBytes = try CSVWriter(path: directory + "/bytes.csv", header: ["a", "b"], mode: mode)
        for value in values {
            try asValues.write([.text(value), .plain(value)])
            bytes(value) { asBytes.cell(text: $0) }
            bytes(value) { asBytes.cell(plain: $0) }
            try asBytes.endRow()
            try asValues.write([.plain(value), .text(value), .text(value)])
            asBytes.cell(plain: value)
            asBytes.cell(text: value)
            bytes(value) { asBytes.cell(text: $0) }
            try asBytes.endRow()
        }
        try asValues.write([])
        try asBytes.endRow()
        try asValues.close()
        try asBytes.close()
        let written = try Data(contentsOf: URL(fileURLWithPath: directory + "/bytes.csv"))
        #expect(written == (try Data(contentsOf: URL(fileURLWithPath: directory + "/values.csv"))))
        #expect(asBytes.rows == 2 * values.count + 1)
        let text = String(decoding: written, as: UTF8.self)
        if mode == .spreadsheet {
            #expect(text.hasPrefix("\u{FEFF}a,b\r\nplain,plain\r\n"))
            #expect(text.contains("\r\n\"'=a,b\",\"=a,b\"\r\n"))
            #expect(text.contains("\r\n'-2,-2\r\n"))
        } else {
            #expect(text.hasPrefix("a,b\r\nplain,plain\r\n"))
            #expect(text.contains("\r\n\"=a,b\",\"=a,b\"\r\n"))
        }
        #expect(text.contains("\r\n\"say \"\"hi\"\"\",\"say \"\"hi\"\"\"\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test("starting writeback puts the buffered rows in the file, and appending goes on after them")
    func writebackFlushes() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/rows.csv"
        let writer = try CSVWriter(path: path, header: ["a"], mode: .raw)
        try writer.write([.plain("one")])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).isEmpty, "rows wait in the buffer until then")
        try writer.startWriteback()
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self) == "a\r\none\r\n")
        try writer.write([.plain("two")])
        try writer.startWriteback()
        try writer.close()
        #expect(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self) == "a\r\none\r\ntwo\r\n")
    }

    @Test("pseudonym bits print as the pseudonym, computed once per subject number")
    func pseudonymBits() throws {
        // Expected values from Python: hmac.new(key, id, hashlib.sha256).hexdigest()[:16].
        let pseudonyms = Pseudonymizer(key: "bench")
        #expect(pseudonyms.pseudonym("c-000001") == "p_e438f04ed074e618")
        #expect(pseudonyms.pseudonym("") == "p_9608beb750f227c9")
        #expect(Pseudonymizer(key: Pseudonymizer.publishedKey).pseudonym("subject-42") == "p_88ce4efa9b18151e")
        for index in [0, 1, 63, 64, 65, 1000, 5] {
            bytes("c-\(index)") { id in
                let bits = pseudonyms.pseudonymBits(id, cachedAs: index)
                #expect(Pseudonymizer.text(bits) == pseudonyms.pseudonym("c-\(index)"))
            }
        }
        // Cached by subject number: other bytes under a computed number give its pseudonym.
        bytes("someone else") { id in
            #expect(Pseudonymizer.text(pseudonyms.pseudonymBits(id, cachedAs: 64)) == pseudonyms.pseudonym("c-64"))
            #expect(Pseudonymizer.text(pseudonyms.pseudonymBits(id, cachedAs: 66)) == pseudonyms.pseudonym("someone else"))
        }
    }

    @Test("pseudonymizers sharing a cache on several threads give each subject number one pseudonym, the others their own")
    func sharedPseudonymBits() async throws {
        let run = Pseudonymizer(key: "bench"), shared = SharedPseudonymBits(count: 500)
        // Four threads at once; each caches numbers from 500 in its own cache, under ids that
        // differ per thread, and numbers below 500 in the shared one, under the same ids.
        let results = await withTaskGroup(of: (Int, [String]).self) { group in
            for thread in 0..<4 {
                group.addTask {
                    // A pseudonymizer is one thread's: each task makes its own from the key.
                    let part = Pseudonymizer(sameKeyAs: Pseudonymizer(key: "bench"), sharing: shared)
                    var texts: [String] = []
                    for index in (0..<700).map({ ($0 * 7 + thread * 131) % 700 }) {
                        let id = index < 500 ? "c-\(index)" : "t\(thread)-\(index)"
                        texts.append(Array(id.utf8).withUnsafeBytes { Pseudonymizer.text(part.pseudonymBits($0, cachedAs: index)) })
                    }
                    return (thread, texts)
                }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for thread in 0..<4 {
            let order = (0..<700).map { ($0 * 7 + thread * 131) % 700 }
            for (index, text) in zip(order, results[thread]!) {
                #expect(text == run.pseudonym(index < 500 ? "c-\(index)" : "t\(thread)-\(index)"))
            }
        }
        // Cached by number, not by id: a shared number computed on any thread gives its
        // pseudonym; a number above the shared ones is the pseudonymizer's own.
        let late = Pseudonymizer(sameKeyAs: run, sharing: shared)
        Array("someone else".utf8).withUnsafeBytes { id in
            #expect(Pseudonymizer.text(late.pseudonymBits(id, cachedAs: 42)) == run.pseudonym("c-42"))
            #expect(Pseudonymizer.text(late.pseudonymBits(id, cachedAs: 600)) == run.pseudonym("someone else"))
        }
    }

    @Test("rows, counts by rule, tier, jurisdiction, campaign and severity, and evidence up to its limit")
    func countsAndEvidence() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = try ViolationLog(path: directory + "/violations.csv", evidenceLimit: 2)
        let cases: [(ConsentRule, Tier, Int, Int32)] = [
            (.consentDenied, .oneToFew, 1, 3), (.consentDenied, .oneToFew, 1, 3), (.consentDenied, .oneToFew, 1, 0),
            (.afterErasure, .oneToAll, 0, 7), (.consentExpired, .oneToOne, 2, 3),
        ]
        for (index, (rule, tier, jurisdiction, campaign)) in cases.enumerated() {
            try bytes("ev-\(index)") { eventID in
                try bytes("=cmp-\(campaign)") { campaignID in
                    try bytes("personalization") { purpose in
                        try bytes("denied at x, \"quoted\"") { detail in
                            try bytes(["EU", "US-CA", "BR"][jurisdiction]) { code in
                                try log.add(
                                    ViolationEntry(
                                        eventID: eventID, occurredAt: 1_763_283_000_250 + Int64(index) * 1000, rule: rule, tier: tier,
                                        jurisdiction: jurisdiction, jurisdictionCode: code,
                                        campaign: campaign, campaignID: campaignID, purpose: purpose, subject: 0x00ab_cdef_0123_4567,
                                        state: rule == .afterErasure ? nil : .denied, detail: detail))
                            }
                        }
                    }
                }
            }
        }
        try log.close()
        #expect(log.total == 5)
        #expect(log.matrix[.init(rule: .consentDenied, tier: .oneToFew, jurisdiction: 1)] == 3)
        #expect(log.matrix[.init(rule: .afterErasure, tier: .oneToAll, jurisdiction: 0)] == 1)
        #expect(log.matrix[.init(rule: .consentExpired, tier: .oneToOne, jurisdiction: 2)] == 1)
        #expect(log.matrix.count == 3)
        #expect(log.byCampaign == [3: 3, 0: 1, 7: 1])
        #expect(log.bySeverity == [.high: 3, .critical: 1, .medium: 1])
        #expect(log.worstSeverity == .critical)
        #expect(log.evidence[.consentDenied]?.map(\.eventID) == ["ev-0", "ev-1"])
        let first = try #require(log.evidence[.consentDenied]?.first)
        #expect(first.campaignID == "=cmp-3" && first.subject == "p_00abcdef01234567" && first.state == "denied")
        #expect(first.occurredAt == "2025-11-16T08:50:00.250Z" && first.detail == "denied at x, \"quoted\"")
        let file = try Data(contentsOf: URL(fileURLWithPath: directory + "/violations.csv"))
        #expect(file.starts(with: [0xEF, 0xBB, 0xBF]))
        let lines = String(decoding: file.dropFirst(3), as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.count == 7)
        #expect(lines[0] == ViolationLog.header.joined(separator: ","))
        #expect(
            lines[1]
                == "ev-0,2025-11-16T08:50:00.250Z,consent_denied,high,one_to_few,US-CA,'=cmp-3,personalization,p_00abcdef01234567,denied,\"denied at x, \"\"quoted\"\"\"")
        #expect(lines[4].hasPrefix("ev-3,2025-11-16T08:50:03.250Z,after_erasure,critical,one_to_all,EU,'=cmp-7,"))
        #expect(lines[4].contains(",p_00abcdef01234567,,\"denied"))
    }
}
