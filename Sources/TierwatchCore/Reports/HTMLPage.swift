/// Builds self-contained HTML: inline CSS, no scripts, no external assets; every value
/// from input escaped.
package struct HTMLPage {
    private(set) var body = ""

    /// Escapes text for element content and quoted attribute values.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    /// Appends trusted markup (built by this tool, never from input).
    package mutating func raw(_ markup: String) { body += markup }

    /// Appends an element with escaped text.
    package mutating func element(_ tag: String, _ text: String, attributes: String = "") {
        body += "<\(tag)\(attributes.isEmpty ? "" : " " + attributes)>\(Self.escape(text))</\(tag)>\n"
    }

    /// Appends a table with a caption, column headers and escaped cells; numeric columns
    /// (all but the first `textColumns`) are right-aligned.
    package mutating func table(caption: String, headers: [String], rows: [[String]], textColumns: Int = 1) {
        body += "<table>\n<caption>\(Self.escape(caption))</caption>\n<thead><tr>"
        for header in headers { body += "<th scope=\"col\">\(Self.escape(header))</th>" }
        body += "</tr></thead>\n<tbody>\n"
        for row in rows {
            body += "<tr>"
            for (index, cell) in row.enumerated() {
                if index == 0 {
                    body += "<th scope=\"row\">\(Self.escape(cell))</th>"
                } else {
                    body += index < textColumns ? "<td>" : "<td class=\"n\">"
                    body += Self.escape(cell) + "</td>"
                }
            }
            body += "</tr>\n"
        }
        if rows.isEmpty { body += "<tr><td colspan=\"\(headers.count)\">None.</td></tr>\n" }
        body += "</tbody>\n</table>\n"
    }

    /// Appends a table whose cells are markup this tool built (each value from input in it
    /// already escaped): for cells holding a chart or a badge. The first cell of a row is
    /// its header; `numeric` marks the right-aligned columns.
    package mutating func markupTable(
        caption: String, headers: [String], rows: [[String]], numeric: Set<Int> = [], className: String = ""
    ) {
        body += "<table\(className.isEmpty ? "" : " class=\"\(className)\"")>\n<caption>\(Self.escape(caption))</caption>\n<thead><tr>"
        for header in headers { body += "<th scope=\"col\">\(Self.escape(header))</th>" }
        body += "</tr></thead>\n<tbody>\n"
        for row in rows {
            body += "<tr>"
            for (index, cell) in row.enumerated() {
                if index == 0 {
                    body += "<th scope=\"row\">\(cell)</th>"
                } else {
                    body += (numeric.contains(index) ? "<td class=\"n\">" : "<td>") + cell + "</td>"
                }
            }
            body += "</tr>\n"
        }
        if rows.isEmpty { body += "<tr><td colspan=\"\(headers.count)\">—</td></tr>\n" }
        body += "</tbody>\n</table>\n"
    }

    /// The complete document.
    package func document(title: String, language: String = "en") -> String {
        """
        <!DOCTYPE html>
        <html lang="\(language)">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(Self.escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1a1a1a;line-height:1.45}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
        .meta{color:#555;margin-top:0}
        table{border-collapse:collapse;margin:.8rem 0;width:100%;font-size:.9rem}
        caption{text-align:left;font-weight:600;padding:.3rem 0}
        th,td{border:1px solid #d0d0d0;padding:.3rem .5rem;text-align:left;vertical-align:top}
        thead th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}
        .status{display:inline-block;padding:.1rem .5rem;border:2px solid;font-weight:700}
        .status-success{border-color:#2e7d32}.status-warn{border-color:#b26a00}.status-fail,.status-error{border-color:#c62828}
        footer{margin-top:2.5rem;font-size:.8rem;color:#444;border-top:1px solid #ccc}
        footer table{font-size:.75rem}footer td{word-break:break-all}
        .lead{font-size:1.1rem;max-width:60rem}
        .headlines li{margin:.25rem 0}
        .risk{display:inline-block;padding:0 .4rem;border:1px solid #555;font-weight:600;white-space:nowrap}
        .risk-low{background:#d8eed9}.risk-medium{background:repeating-linear-gradient(45deg,#fde7b0 0 4px,#fff3d6 4px 8px)}
        .risk-high{background:repeating-linear-gradient(45deg,#f6c4c4 0 3px,#fff 3px 6px);border-width:2px}
        .good{color:#1b5e20}.bad{color:#b71c1c}.flag{font-weight:700;color:#b71c1c}
        .pyramid{max-width:100%;height:auto}
        .heat td.n{font-weight:600}.h0{background:#fff}.h1{background:#fdeaea}.h2{background:#f8c9c9}.h3{background:#ef9a9a}.h4{background:#e57373;color:#000}
        .note{color:#444;font-size:.9rem}
        @media print{body{margin:0;max-width:none;font-size:10pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}@page{size:A4;margin:15mm}h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}.pyramid{break-inside:avoid}a{color:inherit;text-decoration:none}}
        </style>
        </head>
        <body>
        \(body)</body>
        </html>

        """
    }
}
