import Testing

@testable import TierwatchCore

/// A deterministic generator, so a failure names its seed.
private struct Draws {
    var state: UInt64
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}

@Suite("Compact tables: consent history and (group, subject) flags")
struct CompactTablesTests {
    /// What `state(subject:purpose:at:)` must answer, computed the plain way from the records
    /// in input order: the latest instant at or before the query, least permissive wins,
    /// the earliest expiry among that instant's grants.
    private struct Record {
        var subject: Int32, purpose: Int32, time: Int64, status: ConsentStatus, expiry: Int64?, source: Int32
    }

    private func expected(_ records: [Record], subject: Int32, purpose: Int32, at instant: Int64)
        -> (ConsentState, recordedAt: Int64?, source: Int32?, expiresAt: Int64?)
    {
        let own = records.filter { $0.subject == subject && $0.purpose == purpose && $0.time <= instant }
        guard let latest = own.map(\.time).max() else { return (.none, nil, nil, nil) }
        let tied = own.filter { $0.time == latest }
        var decisive = tied[0]
        var expiry = Int64.max
        for record in tied {
            if record.status.rawValue > decisive.status.rawValue { decisive = record }
            if record.status == .granted && (record.expiry ?? .max) < expiry {
                expiry = record.expiry ?? .max
                if decisive.status == .granted { decisive = record }
            }
        }
        let state: ConsentState =
            switch decisive.status {
            case .withdrawn: .withdrawn
            case .denied: .denied
            case .granted: expiry <= instant ? .expired : .granted
            }
        return (state, latest, decisive.source, expiry)
    }

    @Test(
        "the history answers every lookup as a plain scan of the records would, built on one thread or several",
        arguments: [1, 2, 3] as [UInt64], [1, 3])
    func historyMatchesPlainScan(seed: UInt64, threads: Int) {
        var draws = Draws(state: seed)
        var records: [Record] = []
        // Records in any order, with many ties at one instant and subjects without records.
        for _ in 0..<3000 {
            let status = [ConsentStatus.granted, .denied, .withdrawn][draws.next(3)]
            records.append(
                Record(
                    subject: Int32(draws.next(60)) * 2, purpose: Int32(draws.next(4)), time: Int64(draws.next(40)),
                    status: status, expiry: draws.next(3) == 0 ? Int64(draws.next(60)) : nil, source: Int32(draws.next(1000))))
        }
        // One subject with many records (sorted another way than the few-record ones).
        for index in 0..<200 {
            records.append(
                Record(subject: 7, purpose: Int32(index % 3), time: Int64(draws.next(100)), status: .granted, expiry: nil, source: Int32(index)))
        }
        // Built in two pieces, appended, as parts are.
        var first = ConsentHistory.Builder(), second = ConsentHistory.Builder()
        for (index, record) in records.enumerated() {
            if index < records.count / 2 {
                first.add(subject: record.subject, purpose: record.purpose, recordedAt: record.time, status: record.status, expiresAt: record.expiry, source: record.source)
            } else {
                second.add(subject: record.subject, purpose: record.purpose, recordedAt: record.time, status: record.status, expiresAt: record.expiry, source: record.source)
            }
        }
        let same = PartIDs(known: 1 << 20, added: [])
        first.append(second, subject: same, purpose: same, source: same)
        let history = first.build(threads: threads, minimumRecordsPerPiece: 1)
        var mismatches = 0
        for subject in Int32(0)...121 {
            for purpose in Int32(-1)...4 {
                for instant in stride(from: Int64(-1), through: 101, by: 3) {
                    let (state, point) = history.state(subject: subject, purpose: purpose, at: instant)
                    let want = expected(records, subject: subject, purpose: purpose, at: instant)
                    if state != want.0 || point?.recordedAt != want.recordedAt || point?.source != want.source
                        || point.map({ $0.expiresAt }) != want.expiresAt
                    {
                        mismatches += 1
                    }
                }
            }
        }
        #expect(mismatches == 0)
    }

    @Test(
        "pair flags keep every pair's bits across grows (in place, or into a new table) and when absorbed into another table, translated",
        arguments: [true, false])
    func pairFlagsMatchDictionary(growsInPlace: Bool) {
        var draws = Draws(state: 11)
        let table = PairFlags(capacity: 4, growsInPlace: growsInPlace), other = PairFlags(capacity: 4, growsInPlace: growsInPlace)
        var model: [Int64: UInt8] = [:], otherModel: [Int64: UInt8] = [:]
        func id(_ group: Int, _ subject: Int32) -> Int64 { Int64(group) << 32 | Int64(subject) }
        for _ in 0..<40_000 {
            let group = draws.next(300), subject = Int32(draws.next(5000)), bits = UInt8(1 << draws.next(4))
            table.insert(group: group, subject: subject, bits: bits)
            model[id(group, subject), default: 0] |= bits
            let otherGroup = draws.next(300), otherSubject = Int32(draws.next(5000))
            other.insert(group: otherGroup, subject: otherSubject, bits: bits)
            otherModel[id(otherGroup, otherSubject), default: 0] |= bits
        }
        // Every pair is found where it is (inserting no bits adds nothing): a grow that left a
        // gap on some pair's probe path would make it insert that pair twice.
        for key in model.keys { table.insert(group: Int(key >> 32), subject: Int32(truncatingIfNeeded: key), bits: 0) }
        // Translate half the subjects to new numbers; groups shift by one.
        table.absorb(other) { group, subject in (group + 1, subject % 2 == 0 ? subject : subject + 100_000) }
        for (key, bits) in otherModel {
            let group = Int(key >> 32), subject = Int32(truncatingIfNeeded: key)
            model[id(group + 1, subject % 2 == 0 ? subject : subject + 100_000), default: 0] |= bits
        }
        var seen: [Int64: UInt8] = [:]
        var duplicates = 0
        table.forEach { group, subject, bits in
            if seen[id(group, subject)] != nil { duplicates += 1 }
            seen[id(group, subject)] = bits
        }
        #expect(duplicates == 0)
        #expect(seen == model)
    }

    @Test("a pair log keeps every pair's bits, stays bounded by distinct pairs, and drains into a table", arguments: [600, 50_000])
    func pairLog(distinct: Int) {
        var draws = Draws(state: UInt64(distinct))
        let log = PairLog(capacity: 256, compactionThreshold: 1024)
        var model: [Int64: UInt8] = [:]
        func id(_ group: Int, _ subject: Int32) -> Int64 { Int64(group) << 32 | Int64(subject) }
        let appended = 30_000
        var largest = 0
        for _ in 0..<appended {
            let pair = draws.next(distinct), bits = UInt8(1 << draws.next(4))
            let group = 6 + pair % 97, subject = Int32(pair / 97)
            log.append(PairFlags.word(group: group, subject: subject, bits: bits))
            model[id(group, subject), default: 0] |= bits
            largest = max(largest, log.count)
        }
        // Compacted when full past the threshold, it grows only while over half full after:
        // never past twice the threshold or four times the pairs.
        #expect(largest <= max(2 * 1024, 4 * model.count))
        #expect(log.count >= model.count && log.count < appended)
        if distinct > 1024 { #expect(largest > 1024) }
        let table = PairFlags(capacity: 4)
        log.drain { table.absorb(words: $0) { ($0, $1) } }
        #expect(log.count == 0)
        var seen: [Int64: UInt8] = [:]
        table.forEach { group, subject, bits in seen[id(group, subject)] = bits }
        #expect(seen.count == model.count)
        #expect(model.filter { seen[$0.key] != $0.value }.count == 0, "pairs whose bits differ")
    }
}
