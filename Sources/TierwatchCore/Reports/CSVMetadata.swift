/// `<name>.csv-metadata.json` beside each CSV: its columns described in the W3C "CSV on the
/// Web" tabular metadata vocabulary (https://www.w3.org/TR/tabular-metadata/), so DuckDB,
/// pandas, R or a CSVW validator can read the types and what each column counts without
/// the README.
///
/// Everything comes from `CSVTable`: names, titles, datatypes, the primary key and a
/// `dc:description` per column in the job's report language.
package enum CSVMetadata {
    /// The metadata file name of `csvFile` (the CSVW convention, found by a processor
    /// that is given only the CSV).
    package static func fileName(of csvFile: String) -> String { csvFile + "-metadata.json" }

    /// The metadata document of `table` as written in `mode`. `marker` is the small-cell
    /// suppression marker (`<5`), which figures may hold instead of a number: it reads as
    /// null, as an empty cell does.
    package static func document(
        _ table: CSVTable, mode: CSVMode, language: ReportLanguage, marker: String?
    ) -> JSONText {
        let figureNulls = [""] + (marker.map { [$0] } ?? [])
        let columns = table.columns.map { column -> JSONText in
            var members: [(String, JSONText)] = [
                ("name", .string(column.name)), ("titles", .string(column.name)),
                ("datatype", datatype(of: column, table: table, mode: mode)),
            ]
            if column.isFigure {
                members.append(("null", .array(figureNulls.map(JSONText.string))))
            }
            if table.primaryKey.contains(column.name) { members.append(("required", .bool(true))) }
            members.append(("dc:description", .string(column.descriptions[language])))
            return .object(members)
        }
        var schema: [(String, JSONText)] = [("columns", .array(columns))]
        if !table.primaryKey.isEmpty { schema.append(("primaryKey", .array(table.primaryKey.map(JSONText.string)))) }
        return .object([
            ("@context", .array([.string("http://www.w3.org/ns/csvw"), .object([("@language", .string(language.rawValue))])])),
            ("url", .string(table.file)),
            ("dc:title", .string(table.file)),
            ("dc:description", .string(table.rows[language])),
            // Spreadsheet files start with a byte-order mark, which UTF-8 decoding drops.
            ("dialect", .object([("encoding", .string("utf-8")), ("header", .bool(true))])),
            // Empty cells are missing values ("" is null for text columns too).
            ("null", .string("")),
            ("tableSchema", .object(schema)),
        ])
    }

    /// Writes the metadata of every catalogued CSV present in `folder`.
    package static func write(into folder: String, job: JobDefinition, marker: String?) throws(TierwatchError) {
        let present = Set(FileTree.list(folder))
        for table in CSVTable.all where present.contains(table.file) {
            let json = document(table, mode: job.csvMode(for: table.file), language: job.language, marker: marker)
            try AtomicFile.write(json.rendered + "\n", to: folder + "/" + fileName(of: table.file))
        }
    }

    /// Friendly p-values may read `<0.000001`: text of a fixed shape rather than a number.
    private static func datatype(of column: CSVColumn, table: CSVTable, mode: CSVMode) -> JSONText {
        let pValue = column.name.hasSuffix("p_value") || column.name == "q_value"
        if table.file == CSVTable.uplift.file, pValue, CSVPrecision(mode) == .friendly {
            return .object([("base", .string("string")), ("format", .string(#"^(<0\.000001|[01]\.[0-9]{6})$"#))])
        }
        return .string(column.datatype.rawValue)
    }
}
