import Foundation
import Testing

@testable import TierwatchCore

@Suite("CSV column catalogue")
struct CSVColumnsTests {
    /// The README's column reference is generated from the catalogue. Re-record with
    /// `TIERWATCH_RECORD_README=1 swift test --filter CSVColumnsTests`.
    @Test("the README's column tables are the catalogue's, word for word")
    func readmeMatchesCatalogue() throws {
        let path = packageRoot + "/README.md"
        let readme = try String(contentsOfFile: path, encoding: .utf8)
        let begin = "<!-- columns: begin -->\n", end = "<!-- columns: end -->"
        let start = try #require(readme.range(of: begin), "README.md lacks the \(begin) marker")
        let stop = try #require(readme.range(of: end, range: start.upperBound..<readme.endIndex))
        let expected = "\n" + CSVTable.markdownReference + "\n"
        if ProcessInfo.processInfo.environment["TIERWATCH_RECORD_README"] == "1" {
            try (readme[..<start.upperBound] + expected + readme[stop.lowerBound...]).write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(
            String(readme[start.upperBound..<stop.lowerBound]) == expected,
            "README.md's column tables differ from CSVColumns.swift; re-record with TIERWATCH_RECORD_README=1")
    }

    @Test("every column is described in every report language, and names are unique per file")
    func everyColumnDescribed() {
        for table in CSVTable.all {
            #expect(Set(table.header).count == table.header.count, "\(table.file) repeats a column")
            #expect(table.primaryKey.allSatisfy(table.header.contains), "\(table.file): primary key outside the columns")
            for column in table.columns {
                for language in ReportLanguage.allCases {
                    #expect(!column.descriptions[language].isEmpty, "\(table.file) \(column.name) \(language)")
                }
                // A translation that is the English text is a missing translation (formula-only
                // texts like "treated_converters / treated" are the same in every language).
                if column.descriptions.english.split(separator: " ").count > 3 {
                    #expect(column.descriptions.swedish != column.descriptions.english, "\(table.file) \(column.name): sv")
                    #expect(column.descriptions.russian != column.descriptions.english, "\(table.file) \(column.name): ru")
                }
            }
        }
        #expect(CSVTable.all.map(\.file).sorted() == JobDefinition.csvOutputs.sorted(), "the catalogue lists every CSV output")
    }

    @Test("the metadata of a raw and a spreadsheet file: datatypes, nulls, key and the job's language")
    func metadataDocument() throws {
        let raw = CSVMetadata.document(.uplift, mode: .raw, language: .swedish, marker: "<5").rendered
        let object = try #require(try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any])
        #expect((object["@context"] as? [Any])?.first as? String == "http://www.w3.org/ns/csvw")
        #expect(object["url"] as? String == "uplift.csv")
        let schema = try #require(object["tableSchema"] as? [String: Any])
        #expect(schema["primaryKey"] as? [String] == ["group", "id"])
        let columns = try #require(schema["columns"] as? [[String: Any]])
        #expect(columns.map { $0["name"] as? String } == CSVTable.uplift.header)
        let p = try #require(columns.first { $0["name"] as? String == "p_value" })
        #expect(p["datatype"] as? String == "decimal")
        #expect(p["null"] as? [String] == ["", "<5"])
        #expect(p["dc:description"] as? String == CSVTable.uplift.column("p_value")!.descriptions.swedish)
        // In spreadsheet files a p-value may read "<0.000001": text of a fixed pattern.
        let friendly = CSVMetadata.document(.uplift, mode: .spreadsheet, language: .english, marker: nil).rendered
        #expect(friendly.contains(#"{"name":"p_value","titles":"p_value","datatype":{"base":"string","format":"#))
        #expect(friendly.contains(#""null":[""]"#) && !friendly.contains("<5"))
        // The row-level files have no key: an input may repeat an event id.
        #expect(!CSVMetadata.document(.violations, mode: .raw, language: .english, marker: nil).rendered.contains("primaryKey"))
    }
}
