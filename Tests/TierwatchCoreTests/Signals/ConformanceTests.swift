import Foundation
import Testing
@testable import TierwatchCore

/// The published test strings of independent decoders (the IAB's iabtcf-es, iabtcf-java
/// and iabgpp-es, LiveRamp's iabconsent) and the examples of the TCF and GPP specs, with
/// the fields each asserts, checked against Tierwatch's decoders.
///
/// The suites are data taken from other projects, so they are not committed here: they are
/// read from `TIERWATCH_CONFORMANCE_DIR`, else from `../shared/conformance/` beside the
/// checkout, one `<owner>+<repo>.json` per source. Format (README "Consent signals"):
/// `{"source", "commit", "licence", "cases": [{"id", "decoder": "tcstring"|"gppstring"|
/// "gppheader"|"usprivacy", "input", "expect": "accept"|"refuse", "fields": {"dotted.path":
/// value}}]}`,
/// paths into `consent decode`'s JSON. A case agrees when Tierwatch refuses what the source
/// refuses, or accepts it with every listed field equal (objects compared on the listed
/// keys only).
enum ConformanceSuites {
    static let directory: String? = {
        let candidates = [
            ProcessInfo.processInfo.environment["TIERWATCH_CONFORMANCE_DIR"],
            packageRoot + "/../shared/conformance",
        ]
        return candidates.compactMap { $0 }.first { !files(in: $0).isEmpty }
    }()

    static func files(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { directory + "/" + $0 }
    }

    static var all: [String] { directory.map(files) ?? [] }

    static let missing =
        "no conformance suites: set TIERWATCH_CONFORMANCE_DIR or place <owner>+<repo>.json files in ../shared/conformance (see README, Consent signals)"

    /// Where Tierwatch follows the spec text (or the issue's rule) against a source: the
    /// source, a part of the case id that picks the cases, and why. The README's "Where the
    /// references disagree" repeats these.
    static let deviations: [(source: String, idContains: String, reason: String)] = [
        (
            "LiveRamp/iabconsent", "Too long for all v1 strings",
            "LiveRamp refuses a US section longer than its fields; no spec defines a length or padding rule, encoders fill to a character, a byte or 24 bits, and the bits after the last field are filler"
        ),
        (
            "LiveRamp/iabconsent", "v2ConsentFixtures[COvzTO5OvzTO5B7ABCENAPEY",
            "TcfPolicyVersion 4 with PurposesLITransparency bit 1: the TC string spec makes Purpose 1 a consent purpose only, and TCF 2.2 forbids legitimate interest for it; LiveRamp checks bits 3-6 only"
        ),
        ("IABTechLab/iabgpp-es", "UspV1.test.ts it(should decode 2YNY)", usPrivacyVersion2),
        ("IABTechLab/iabgpp-es", "UspV1.test.ts it(should decode to 2NYY)", usPrivacyVersion2),
        (
            "InteractiveAdvertisingBureau/iabtcf-java", "testDefaultSegmentType",
            "a second segment of SegmentType 0: the TC string spec defines types 1-3 after the core (0 is the core, which comes first and once); iabtcf-java ignores the segment"
        ),
    ]

    private static let usPrivacyVersion2 =
        "US Privacy strings of version 2: the US Privacy string spec defines version 1 only; iabgpp-es reads any digit"

    static func deviation(_ item: ConformanceCase) -> String? {
        deviations.first { $0.source == item.source && item.id.contains($0.idContains) }?.reason
    }
}

struct ConformanceCase: CustomStringConvertible {
    let source: String
    let id: String
    let decoder: String
    let input: String
    let accepts: Bool
    let fields: [String: Any]

    var description: String { "\(source) \(id)" }

    /// Nil when Tierwatch agrees; otherwise what differs.
    func disagreement() -> String? {
        let document: SignalDocument
        do {
            switch decoder {
            case "tcstring": document = try ConsentDecodeCommand.document(input, format: .tcf)
            case "gppstring": document = try ConsentDecodeCommand.document(input, format: .gpp)
            case "usprivacy": document = try ConsentDecodeCommand.document(input, format: .usp)
            case "gppheader":
                // A GPP header alone, as header-parsing tests give it.
                let header = try GPPString.header(Substring(input))
                document = .object([("version", .int(header.version)), ("section_ids", .ints(header.sectionIDs))])
            default: return "unknown decoder \(decoder)"
            }
        } catch {
            return accepts ? "refused (\(error)); the source accepts it" : nil
        }
        guard accepts else { return "accepted; the source refuses it" }
        guard let json = try? JSONSerialization.jsonObject(with: Data(document.json().utf8)) else {
            return "consent decode printed JSON that does not parse"
        }
        var differences: [String] = []
        for (path, expected) in fields.sorted(by: { $0.key < $1.key }) {
            let actual = Self.value(at: path, in: json)
            if !Self.matches(expected, actual) {
                differences.append("\(path): expected \(Self.render(expected)), decoded \(actual.map(Self.render) ?? "nothing")")
            }
        }
        return differences.isEmpty ? nil : differences.joined(separator: "; ")
    }

    static func value(at path: String, in json: Any) -> Any? {
        var current: Any? = json
        for key in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(key)]
        }
        return current
    }

    static func matches(_ expected: Any, _ actual: Any?) -> Bool {
        guard let actual else { return expected is NSNull }
        if let object = expected as? [String: Any] {
            guard let other = actual as? [String: Any] else { return false }
            return object.allSatisfy { matches($0.value, other[$0.key]) }
        }
        if let list = expected as? [Any] {
            guard let other = actual as? [Any], other.count == list.count else { return false }
            return zip(list, other).allSatisfy { matches($0, $1) }
        }
        return (expected as? NSObject)?.isEqual(actual) ?? false
    }

    static func render(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject([value]),
            let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys, .fragmentsAllowed])
        else { return "\(value)" }
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    /// The cases of one suite file; a malformed file fails the test that reads it.
    static func load(_ file: String) throws -> (source: String, cases: [ConformanceCase]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any], let source = root["source"] as? String,
            let cases = root["cases"] as? [[String: Any]]
        else { throw ConformanceFileError(file: file, problem: "expected an object with \"source\" and \"cases\"") }
        return (
            source,
            try cases.enumerated().map { index, item in
                guard let id = item["id"] as? String, let decoder = item["decoder"] as? String, let input = item["input"] as? String,
                    let expect = item["expect"] as? String, expect == "accept" || expect == "refuse"
                else {
                    throw ConformanceFileError(file: file, problem: "cases[\(index)]: expected id, decoder, input and expect (accept|refuse)")
                }
                return ConformanceCase(
                    source: source, id: id, decoder: decoder, input: input, accepts: expect == "accept",
                    fields: item["fields"] as? [String: Any] ?? [:])
            }
        )
    }
}

struct ConformanceFileError: Error, CustomStringConvertible {
    let file: String
    let problem: String
    var description: String { "\(file): \(problem)" }
}

@Suite("Conformance: independent decoders' published test strings")
struct ConformanceTests {
    @Test(
        "every published case agrees: same fields, or refused where the source refuses",
        .enabled(if: ConformanceSuites.directory != nil, Comment(rawValue: ConformanceSuites.missing)),
        arguments: ConformanceSuites.all)
    func suite(file: String) throws {
        let (source, cases) = try ConformanceCase.load(file)
        #expect(!cases.isEmpty, "\(file) has no cases")
        var agree = 0, deviating = 0
        for item in cases {
            let deviation = ConformanceSuites.deviation(item)
            switch (item.disagreement(), deviation) {
            case (nil, nil): agree += 1
            case (nil, .some): Issue.record("\(item): matches a documented deviation but agrees; narrow ConformanceSuites.deviations")
            case (.some, .some): deviating += 1
            case (.some(let difference), nil): Issue.record("\(item): \(difference) [input \(item.input)]")
            }
        }
        // The per-source figures the README and closing notes quote.
        print("conformance \(source): \(cases.count) cases, \(agree) agree, \(deviating) documented deviations")
    }
}
