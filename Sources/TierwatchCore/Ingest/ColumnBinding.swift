/// Maps an export's header to the canonical columns of one input, with the job's
/// constants and value mappings, so decoders read canonical values by column index.
package final class ColumnBinding {
    package let kind: InputKind
    package let fieldCount: Int
    /// Per canonical column: the export's column index, or -1 when a constant stands in
    /// (`constants`), or -2 when absent. Plain integers, because this is read for every
    /// field of every row and enum or class payloads would cost retains in the hot loop.
    private var columnIndex: [Int] = []
    private var constants: [UnsafeRawBufferPointer] = []
    /// Per canonical column: the index of its value map in `maps`, or -1.
    private var mapIndex: [Int] = []
    private var maps: [ValueMap] = []
    private var storage: [UnsafeMutableRawBufferPointer] = []
    /// Dates of timestamps read (a binding serves one part of one file, on one thread).
    let dateCache = FieldParsers.DateCache()

    /// A job's value mapping for one column, matched on bytes.
    private final class ValueMap {
        let keys: ByteInterner
        let replacements: [UnsafeRawBufferPointer]

        init(keys: ByteInterner, replacements: [UnsafeRawBufferPointer]) {
            self.keys = keys
            self.replacements = replacements
        }
    }

    /// Binds the header record of `file`; throws `.badData` for a missing or repeated column.
    package init(kind: InputKind, spec: InputSpec, header: CSVRecord, file: String) throws(TierwatchError) {
        self.kind = kind
        fieldCount = header.count
        var requiredUnlessSignals: [(canonical: String, header: String, mapped: String?)] = []
        var requiredUnlessDSR: (header: String, mapped: String?)?
        var names: [String: Int] = [:]
        for index in 0..<header.count {
            let name = String(decoding: FieldParsers.trimmed(header.bytes(index)), as: UTF8.self)
            if names[name] != nil && !name.isEmpty {
                throw TierwatchError(.badData, "\(file) line \(header.line): column \"\(name)\" appears twice in the header")
            }
            names[name] = index
        }
        for (canonical, required) in kind.columns {
            let headerName = spec.columns[canonical] ?? canonical
            constants.append(UnsafeRawBufferPointer(start: nil, count: 0))
            if let index = names[headerName] {
                columnIndex.append(index)
            } else if let constant = spec.constants[canonical] {
                columnIndex.append(-1)
                constants[constants.count - 1] = Self.copy(constant, into: &storage)
            } else if required {
                let mapped = spec.columns[canonical].map { " (mapped from \"\($0)\")" } ?? ""
                throw TierwatchError(
                    .badData,
                    "\(file) line \(header.line): missing column \"\(headerName)\"\(mapped) for \(kind.rawValue).\(canonical); the header has: \(names.sorted { $0.value < $1.value }.map(\.key).joined(separator: ", "))")
            } else {
                columnIndex.append(-2)
            }
            if kind == .consents && (canonical == "purpose" || canonical == "status") && columnIndex.last == -2 {
                requiredUnlessSignals.append((canonical, headerName, spec.columns[canonical]))
            }
            if kind == .erasures && canonical == "requested_at" && columnIndex.last == -2 {
                requiredUnlessDSR = (headerName, spec.columns[canonical])
            }
            if let mapping = spec.values[canonical], !mapping.isEmpty {
                let keys = ByteInterner(capacity: mapping.count)
                var replacements: [UnsafeRawBufferPointer] = []
                for (from, to) in mapping.sorted(by: { $0.key < $1.key }) {
                    _ = keys.intern(from)
                    replacements.append(Self.copy(to, into: &storage))
                }
                mapIndex.append(maps.count)
                maps.append(ValueMap(keys: keys, replacements: replacements))
            } else {
                mapIndex.append(-1)
            }
        }
        // An erasures file needs requested_at, or a DSR export's received_at.
        if let missing = requiredUnlessDSR, columnIndex[5] == -2 {
            let mapped = missing.mapped.map { " (mapped from \"\($0)\")" } ?? ""
            throw TierwatchError(
                .badData,
                "\(file) line \(header.line): missing column \"\(missing.header)\"\(mapped) for erasures.requested_at (or a DSR export's received_at); the header has: \(names.sorted { $0.value < $1.value }.map(\.key).joined(separator: ", "))")
        }
        // A consents export made only of signals needs no purpose or status column.
        if let missing = requiredUnlessSignals.first, !InputKind.signalColumns.contains(where: isPresent) {
            let mapped = missing.mapped.map { " (mapped from \"\($0)\")" } ?? ""
            throw TierwatchError(
                .badData,
                "\(file) line \(header.line): missing column \"\(missing.header)\"\(mapped) for consents.\(missing.canonical) (or a signal column: tc_string, gpp_string, us_privacy, gpc); the header has: \(names.sorted { $0.value < $1.value }.map(\.key).joined(separator: ", "))")
        }
    }

    /// Whether an erasures file is a DSR export (it has `received_at`).
    package var isDSR: Bool { kind == .erasures && isPresent(5) }

    /// Whether any signal column is present (consents only).
    package var hasSignals: Bool { kind == .consents && InputKind.signalColumns.contains(where: isPresent) }

    deinit { for buffer in storage { buffer.deallocate() } }

    /// Whether canonical column `index` has a source (a header column or a constant).
    package func isPresent(_ index: Int) -> Bool { columnIndex[index] != -2 }

    /// The canonical value of column `index` in `record`, after the job's value mapping.
    @inline(__always)
    package func value(_ index: Int, _ record: CSVRecord) -> UnsafeRawBufferPointer {
        let column = columnIndex[index]
        let raw = column >= 0 ? record.bytes(column) : constants[index]
        return mapIndex[index] < 0 ? raw : mapped(index, raw)
    }

    /// Applies column `index`'s value mapping to one value (used per item of lists).
    @inline(__always)
    package func mapped(_ index: Int, _ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let position = mapIndex[index]
        guard position >= 0 else { return raw }
        let map = maps[position]
        if let id = map.keys.lookup(raw) { return map.replacements[Int(id)] }
        let trimmed = FieldParsers.trimmed(raw)
        if trimmed.count != raw.count, let id = map.keys.lookup(trimmed) { return map.replacements[Int(id)] }
        return raw
    }

    private static func copy(_ text: String, into storage: inout [UnsafeMutableRawBufferPointer]) -> UnsafeRawBufferPointer {
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        buffer.copyBytes(from: bytes)
        storage.append(buffer)
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<bytes.count])
    }
}
