import Foundation
import Testing

@testable import TierwatchCore

/// Records every row it is given, and refuses rows whose subject is "bad".
private final class RecordingPart: InputPart {
    var rows: [String] = []

    func decode(_ record: CSVRecord, _ binding: ColumnBinding) throws(RowProblem) -> Int64? {
        let fields = (0..<record.count).map { record.string($0) }
        if fields[0] == "bad" { throw RowProblem(field: "subject_id", reason: "refused", value: fields.joined(separator: "|")) }
        rows.append(fields.joined(separator: "|"))
        return Int64(fields[1])
    }

    func redact(field: String, value: String) -> String { "<" + value + ">" }
}

/// Files full of what makes a guessed record boundary wrong: quoted fields holding line
/// ends (LF, CRLF, lone CR), doubled quotes, blank lines, rows with a wrong field count and
/// rows the decoder refuses, with LF, CRLF or CR line ends.
private func trickyFiles(in folder: String, seed: UInt64) throws -> [ResolvedFile] {
    var state = seed
    func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
    var files: [ResolvedFile] = []
    for (index, end) in ["\n", "\r\n", "\r", "\n"].enumerated() {
        var text = index == 1 ? "\u{FEFF}" : ""
        text += "subject_id,requested_at" + end
        for row in 0..<400 {
            let subject: String
            switch next(9) {
            case 0: subject = "\"multi\nline \(row)\""
            case 1: subject = "\"crlf\r\ninside \(row)\""
            case 2: subject = "\"say \"\"hi\"\"\n\(row)\""
            case 3: subject = "bad"
            case 4: subject = "\"comma, \(row)\""
            case 5: subject = "\"\n\n\(row)\n\""
            default: subject = "s\(row)"
            }
            switch next(12) {
            case 0: text += end
            case 1: text += subject + end
            default: text += subject + "," + String(row) + end
            }
        }
        let path = folder + "/part-\(index).csv"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        files.append(ResolvedFile(absolute: path, display: "part-\(index).csv", order: files.count))
    }
    return files
}

private func scanned(_ files: [ResolvedFile], parts: Int, threads: Int = 1, folder: String) throws -> (rows: [String], rejected: String, records: [InputFileRecord], rereads: Int, partCount: Int) {
    let rejectPath = folder + "/rejected-\(parts)-\(threads).csv"
    let rejects = try RejectLog(path: rejectPath, mode: .raw)
    let spec = InputSpec(paths: [], columns: [:], constants: [:], values: [:], maxRejectRate: 1, optional: false)
    let scanner = InputScanner(kind: .erasures, spec: spec, rejects: rejects, spillDirectory: folder)
    var rows: [String] = []
    var made = 0
    let result = try scanner.scan(files, threads: threads, parts: parts, minimumPartBytes: 1) { _ in
        made += 1
        return RecordingPart()
    } merge: { part in
        rows += part.rows
    }
    try rejects.close()
    #expect(made == result.parts + result.rereads, "one decoder per part, and one more per reread")
    let rejected = try String(contentsOfFile: rejectPath, encoding: .utf8)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".rejects") }
    #expect(leftovers.isEmpty, "spilled rejects are removed after the merge")
    return (rows, rejected, result.records, result.rereads, result.parts)
}

@Suite("Reading one input in parts on several threads")
struct InputScannerTests {
    @Test("any number of parts reads the same rows, rejects, line numbers and file digests as one part")
    func partsAgreeWithOneRead() throws {
        let folder = NSTemporaryDirectory() + "tierwatch-scan-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rereads = 0
        for seed: UInt64 in [1, 2, 3] {
            let files = try trickyFiles(in: folder, seed: seed)
            let one = try scanned(files, parts: 1, threads: 1, folder: folder)
            #expect(one.partCount == 1)
            #expect(one.rows.count > 1000)
            #expect(one.rejected.contains("refused"))
            #expect(one.rejected.contains("expected 2 fields, found 1"))
            #expect(one.rejected.contains("<bad|"), "rejected values go through the part's redaction")
            for (parts, threads) in [(2, 1), (3, 2), (5, 3), (8, 2), (17, 4), (64, 3)] {
                let many = try scanned(files, parts: parts, threads: threads, folder: folder)
                let what = "\(parts) parts on \(threads) threads, seed \(seed)"
                #expect(many.partCount > 1 && many.partCount <= parts)
                #expect(many.rows == one.rows, "rows of \(what)")
                #expect(many.rejected == one.rejected, "rejected.csv of \(what)")
                #expect(many.records == one.records, "manifest records of \(what)")
                rereads += many.rereads
            }
        }
        // The files are built so that some cuts land inside quoted line ends: the check
        // and the reread must actually have been exercised.
        #expect(rereads > 0)
    }

    @Test("the plan covers every byte once and never cuts a compressed file")
    func planCoversInput() {
        let sizes: [Int64] = [100, 0, 5000, 300, 2000]
        let splittable = [true, true, true, false, true]
        for parts in 1...12 * 3 {
            let (parts, smallParts) = ((parts - 1) / 3 + 1, [0, 1, 3][parts % 3])
            let plan = InputPlan.split(
                sizes: sizes, splittable: splittable, parts: parts, smallParts: smallParts, minimumPartBytes: 1)
            #expect(plan.count <= parts && !plan.isEmpty)
            let pieces = plan.flatMap { $0 }
            for (file, size) in sizes.enumerated() {
                let own = pieces.filter { $0.file == file }
                #expect(own.first?.start == 0 && own.first?.exact == true)
                #expect(own.last?.end == .max)
                for (a, b) in zip(own, own.dropFirst()) { #expect(a.end == b.start && b.start > 0 && b.start < size) }
                if !splittable[file] { #expect(own.count == 1) }
            }
        }
        #expect(InputPlan.split(sizes: [10 << 20], splittable: [true], parts: 4, minimumPartBytes: 8 << 20).count == 1)
    }

    @Test("the last parts are a quarter of the others, so that threads finish close together")
    func smallPartsLast() {
        let plan = InputPlan.split(sizes: [26_000], splittable: [true], parts: 8, smallParts: 2, minimumPartBytes: 1)
        let starts = plan.map { $0[0].start }
        #expect(starts == [0, 4000, 8000, 12000, 16000, 20000, 24000, 25000])
        let even = InputPlan.split(sizes: [8000], splittable: [true], parts: 8, minimumPartBytes: 1)
        #expect(even.map { $0[0].start } == [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000])
        // Never all of them small, and one part stays whole.
        #expect(InputPlan.split(sizes: [900], splittable: [true], parts: 3, smallParts: 5, minimumPartBytes: 1).map { $0[0].start } == [0, 600, 750])
        #expect(InputPlan.split(sizes: [900], splittable: [true], parts: 1, smallParts: 2, minimumPartBytes: 1).count == 1)
    }

    @Test("a part that fails stops the scan with its error, and no part after it is merged")
    func failingPartStopsTheScan() throws {
        let folder = NSTemporaryDirectory() + "tierwatch-scan-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files = try trickyFiles(in: folder, seed: 4)
        let empty = folder + "/empty.csv"
        try Data().write(to: URL(fileURLWithPath: empty))
        files.insert(ResolvedFile(absolute: empty, display: "empty.csv"), at: 2)
        for index in files.indices { files[index].order = index }
        let rejects = try RejectLog(path: folder + "/rejected.csv", mode: .raw)
        let spec = InputSpec(paths: [], columns: [:], constants: [:], values: [:], maxRejectRate: 1, optional: false)
        let scanner = InputScanner(kind: .erasures, spec: spec, rejects: rejects, spillDirectory: folder)
        var merged: [String] = []
        #expect(throws: TierwatchError.self) {
            _ = try scanner.scan(files, threads: 3, parts: 12, minimumPartBytes: 1) { _ in RecordingPart() } merge: { part in
                merged += part.rows
            }
        }
        do {
            _ = try scanner.scan(files, threads: 3, parts: 12, minimumPartBytes: 1) { _ in RecordingPart() } merge: { _ in }
        } catch let error as TierwatchError {
            #expect(error.message.contains("empty.csv: the file is empty"), "\(error.message)")
        }
        let before = try scanned(Array(files.prefix(2)), parts: 1, folder: folder).rows
        #expect(merged.count <= before.count, "nothing after the failing file was merged")
        #expect(merged == Array(before.prefix(merged.count)), "what was merged came in input order")
    }
}
