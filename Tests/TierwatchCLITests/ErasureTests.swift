import Foundation
import Testing

@Suite("Erasure requests and DSR exports")
struct ErasureTests {
    @Test("a DSR export: uses after a request break after_erasure, after its fulfilment also resurrection")
    func dsrExport() throws {
        let w = try Workspace()
        let event = { (id: String, time: String, subject: String) in
            "\(id),2026-11-22T\(time)Z,\(subject),c1,,one_to_many,email,delivered,,,device,personalization,US-other"
        }
        try smallDataSet(w, events: [
            event("before", "08:00:00", "s1"),
            event("requested", "10:00:00", "s1"),
            event("fulfilled", "12:00:00", "s1"),
            event("rejected-request", "12:00:00", "s2"),
            event("access-only", "12:00:00", "s3"),
            event("in-progress", "12:00:00", "s4"),
        ])
        try w.write(
            """
            request_id,subject_id,type,status,received_at,fulfilled_at
            r1,s1,erasure,fulfilled,2026-11-22T09:00:00Z,2026-11-22T11:00:00Z
            r2,s2,erasure,rejected,2026-11-22T09:00:00Z,
            r3,s3,access,fulfilled,2026-11-22T09:00:00Z,2026-11-22T09:30:00Z
            r4,s4,erasure,in_progress,2026-11-22T09:00:00Z,
            r5,s5,forget_me,received,2026-11-22T09:00:00Z,
            r6,s6,erasure,fulfilled,2026-11-22T09:00:00Z,

            """, to: "Jobs/data/dsr.csv")
        try w.write(
            Canonical.job(consents: false, maxRejectRate: 0.5).replacingOccurrences(
                of: "\"max_reject_rate\": 0.5}", with: "\"max_reject_rate\": 0.5}, \"erasures\": {\"path\": \"data/dsr.csv\", \"max_reject_rate\": 0.5}"),
            to: "Jobs/dsr.json")
        let result = try w.tierwatch(["run", "dsr", "--period", "2026-11-22"])
        #expect(result.status == 2, "critical violations fail by default: \(result.stderr)")
        let rows = try w.read("Reports/dsr/2026-11-22/violations.csv").split(whereSeparator: \.isNewline).dropFirst()
            .map { line -> String in let cells = line.split(separator: ","); return "\(cells[0]) \(cells[2])" }
        #expect(rows == [
            "requested after_erasure", "fulfilled after_erasure", "fulfilled resurrection", "in-progress after_erasure",
        ])
        let rejected = try w.read("Reports/dsr/2026-11-22/rejected.csv")
        #expect(rejected.contains("erasures,data/dsr.csv,6,type,\"expected one of erasure, access"), "\(rejected)")
        #expect(rejected.contains("erasures,data/dsr.csv,7,fulfilled_at,is empty; a fulfilled request needs its fulfilment time"))
        let privacy = try w.read("Reports/dsr/2026-11-22/privacy_by_tier.csv")
        #expect(privacy.hasPrefix("tier,uses,uses_requiring_consent,violating_uses,violating_uses_requiring_consent,violations,coverage_of_required,coverage_of_all,after_erasure,"))
        #expect(privacy.split(whereSeparator: \.isNewline)[0].hasSuffix(",category_not_allowed,resurrection"))
    }

    @Test("an erasures file without requested_at or received_at is bad data naming both")
    func missingColumns() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents)
        try w.write("subject_id,when\ns1,2026-11-22T09:00:00Z\n", to: "Jobs/data/erasures.csv")
        try w.write(
            Canonical.job(consents: false).replacingOccurrences(
                of: "\"max_reject_rate\": 0.01}", with: "\"max_reject_rate\": 0.01}, \"erasures\": {\"path\": \"data/erasures.csv\"}"),
            to: "Jobs/plain.json")
        let result = try w.tierwatch(["run", "plain", "--period", "2026-11-22"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("missing column \"requested_at\" for erasures.requested_at (or a DSR export's received_at)"), "\(result.stderr)")
    }
}
