import Digests
import Foundation

/// `manifest.json`: what a report was computed from, so a reader can verify and reproduce it.
package struct Manifest: Codable, Sendable {
    package struct Input: Codable, Sendable {
        package var input: String
        package var path: String
        package var sha256: String
        package var bytes: Int64
        package var rows: Int
        package var rejected: Int
    }

    package struct Period: Codable, Sendable {
        package var label: String
        package var start: String
        package var end: String
        package var timezone: String
    }

    package var schemaVersion = 1
    package var tool: String
    package var runID: String
    package var job: String
    package var jobSHA256: String
    package var policySHA256: String
    package var period: Period
    package var generatedAt: String
    package var status: String
    package var message: String?
    package var inputs: [Input]
    package var violations: [String: Int64]
    package var warnings: [String]
    /// How each CSV file was written (`spreadsheet` or `raw`).
    package var csvModes: [String: String]? = nil

    enum CodingKeys: String, CodingKey {
        case schemaVersion, tool, runID = "run_id", job, jobSHA256 = "job_sha256", policySHA256 = "policy_sha256",
            period, generatedAt = "generated_at", status, message, inputs, violations, warnings, csvModes = "csv_modes"
    }

    /// Deterministic JSON: sorted keys, no escaped slashes, a final newline.
    package func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The hash of a policy's canonical JSON.
    package static func policyHash(_ policy: ConsentPolicy) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(policy)) ?? Data()
        return Hex.encode(SHA256.hash(Array(data)))
    }

    /// A run id that names the computation: the same tool, job, policy, period and input
    /// bytes always give the same id, so a rerun rewrites identical reports.
    package static func runID(
        toolVersion: String, jobHash: String, policyHash: String, period: ReportPeriod,
        inputs: [(kind: InputKind, files: [InputFileRecord])]
    ) -> String {
        var text = "tierwatch \(toolVersion)\njob \(jobHash)\npolicy \(policyHash)\nperiod \(period.label) \(period.start) \(period.end) \(period.timeZoneIdentifier)\n"
        for input in inputs {
            for file in input.files { text += "\(input.kind.rawValue) \(file.path) \(file.sha256)\n" }
        }
        return String(Hex.encode(SHA256.hash(text)).prefix(12))
    }
}
