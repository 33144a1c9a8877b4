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

    @Test("CSV outputs: spreadsheet mode (BOM, neutralised text) by default, raw per file on request, recorded in the manifest")
    func csvModes() throws {
        let w = try Workspace()
        try smallDataSet(w, events: cleanEvents + ["e5,2026-11-22T11:00:00Z,s2,=c9,\"@SUM(A1)\",one_to_many,email,delivered,,,device,personalization,EU"], consents: [grantS1])
        try w.write(Canonical.job(extra: #""fail_on": "never", "outputs": {"small_cell_k": 0, "csv_modes": {"metrics_by_campaign.csv": "raw", "violations.csv": "raw"}}"#), to: "Jobs/audit.json")
        #expect(try w.tierwatch(["run", "audit", "--period", "2026-11-22"]).status == 1)
        let folder = "Reports/audit/2026-11-22/"
        let bom = Data([0xEF, 0xBB, 0xBF])
        #expect(w.data(folder + "metrics_by_tier.csv")!.prefix(3) == bom)
        #expect(w.data(folder + "metrics_by_campaign.csv")!.prefix(3) != bom)
        let raw = try w.read(folder + "metrics_by_campaign.csv")
        #expect(raw.contains("\r\n=c9,@SUM(A1),one_to_many,"), "raw keeps values verbatim: \(raw)")
        #expect(try w.read(folder + "violations.csv").contains(",=c9,"))
        let rejectedDefault = w.data(folder + "rejected.csv")!
        #expect(rejectedDefault.prefix(3) == bom)
        let manifest = try JSONSerialization.jsonObject(with: w.data(folder + "manifest.json")!) as! [String: Any]
        let modes = manifest["csv_modes"] as? [String: String] ?? [:]
        #expect(modes["metrics_by_campaign.csv"] == "raw" && modes["violations.csv"] == "raw")
        #expect(modes["metrics_by_tier.csv"] == "spreadsheet" && modes["rejected.csv"] == "spreadsheet")
        #expect(modes.count == 8)
        // Spreadsheet mode neutralises the same values.
        try w.write(Canonical.job(extra: #""fail_on": "never", "outputs": {"small_cell_k": 0}"#), to: "Jobs/sheet.json")
        #expect(try w.tierwatch(["run", "sheet", "--period", "2026-11-22"]).status == 1)
        #expect(try w.read("Reports/sheet/2026-11-22/metrics_by_campaign.csv").contains("\r\n'=c9,'@SUM(A1),one_to_many,"))
        // An unknown file name is a job-file error.
        try w.write(Canonical.job(extra: #""outputs": {"csv_modes": {"metrics.csv": "raw"}}"#), to: "Jobs/bad.json")
        let bad = try w.tierwatch(["validate", "bad"])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("$.outputs.csv_modes.metrics.csv: not an output CSV"), "\(bad.stderr)")
    }
}
