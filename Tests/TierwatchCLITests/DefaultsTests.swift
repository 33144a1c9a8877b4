import Foundation
import Testing

@Suite("Defaults an operator relies on")
struct DefaultsTests {
    @Test("without --period a run covers the last complete period in the job's timezone")
    func lastCompletePeriod() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents, consents: [grantS1])
        try w.write(Canonical.job(timezone: "America/Los_Angeles"), to: "Jobs/audit.json")
        // 06:00Z on 23 November is still 22 November in Los Angeles: the last complete day is the 21st.
        let result = try w.tierwatch(["run", "audit", "--now", "2026-11-23T06:00:00Z"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(w.exists("Reports/audit/2026-11-21/manifest.json"))
        let manifest = try JSONSerialization.jsonObject(with: w.data("Reports/audit/2026-11-21/manifest.json")!) as! [String: Any]
        let period = manifest["period"] as! [String: Any]
        #expect(period["start"] as? String == "2026-11-21T08:00:00Z")
        #expect(period["end"] as? String == "2026-11-22T08:00:00Z")
        #expect(period["timezone"] as? String == "America/Los_Angeles")
    }

    @Test("an unset pseudonym key is a clear warning, and the key changes every pseudonym")
    func pseudonymKey() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents + ["e5,2026-11-22T11:00:00Z,s2,c1,Autumn,one_to_many,email,delivered,,,device,personalization,EU"], consents: [grantS1])
        try w.write(Canonical.job(extra: #""fail_on": "never""#), to: "Jobs/audit.json")
        let unset = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: [:])
        #expect(unset.stderr.contains("warning: TIERWATCH_PSEUDONYM_KEY is not set"), "\(unset.stderr)")
        let published = try w.read("Reports/audit/2026-11-22/violations.csv")
        let keyed = try w.tierwatch(["run", "audit", "--period", "2026-11-22"], environment: ["TIERWATCH_PSEUDONYM_KEY": "k1"])
        #expect(!keyed.stderr.contains("warning: TIERWATCH_PSEUDONYM_KEY"))
        let withKey = try w.read("Reports/audit/2026-11-22/violations.csv")
        let subject = { (csv: String) in String(csv.split(separator: "\r\n")[1].split(separator: ",")[8]) }
        #expect(subject(published).hasPrefix("p_") && subject(withKey).hasPrefix("p_"))
        #expect(subject(published) != subject(withKey))
        #expect(!withKey.contains("s2") && !published.contains(",s2,"))
        #expect(!keyed.stderr.contains("k1"), "the key itself is never printed")
    }
}
