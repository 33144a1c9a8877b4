import Glibc

/// Every subject's consent records, compacted for "state at instant t" lookups.
///
/// Records are grouped by (subject, purpose) and sorted by time; records that share a
/// `recorded_at` are merged into one point that already applies "least permissive wins"
/// (withdrawn over denied over granted; the earliest expiry among grants). Points are
/// sorted by (subject, purpose, time) and indexed densely by subject id, so a lookup is
/// one array read, a short scan over that subject's purposes and a binary search: no
/// hashing, and it touches a few adjacent cache lines.
package struct ConsentHistory {
    /// The consent point that decided a lookup, for evidence.
    ///
    /// 24 bytes: the purpose (24 bits, as in the records' keys) and the status share a word.
    /// The table has a point per record or so (170 MB at 10M events with 32-byte points),
    /// and every lookup reads a subject's points.
    package struct Point: Sendable, BitwiseCopyable {
        package var recordedAt: Int64
        /// The earliest expiry among the grants at this instant (`Int64.max`: none).
        package var expiresAt: Int64
        /// The `source` of the deciding record (an id in the sources interner).
        package var source: Int32
        private var purposeAndStatus: UInt32

        package init(recordedAt: Int64, status: ConsentStatus, expiresAt: Int64, source: Int32, purpose: Int32) {
            precondition(purpose >= 0 && purpose <= 0xFF_FFFF, "purpose ids fit in 24 bits, as in record keys")
            self.recordedAt = recordedAt
            self.expiresAt = expiresAt
            self.source = source
            purposeAndStatus = UInt32(purpose) | UInt32(status.rawValue) << 24
        }

        package var status: ConsentStatus { ConsentStatus(rawValue: Int(purposeAndStatus >> 24)) ?? .withdrawn }

        package var purpose: Int32 { Int32(purposeAndStatus & 0xFF_FFFF) }
    }

    private var points = LargeBuffer<Point>(zeroedCapacity: 0)
    package private(set) var pointCount = 0
    /// `points[subjectStart[s]..<subjectStart[s + 1]]` are subject `s`'s points, for
    /// `s < subjects`.
    private var subjectStart = LargeBuffer<Int32>(zeroedCapacity: 1)
    private var subjects = 0

    /// The purpose id of a purpose no consent record names: no lookup ever finds a point.
    package static let unknownPurpose: Int32 = -1

    @inline(__always)
    package static func key(subject: Int32, purpose: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: subject)) << 24 | UInt64(UInt32(bitPattern: purpose) & 0xFF_FFFF)
    }

    /// The history's tables as plain pointers, valid while the history lives unchanged.
    ///
    /// The per-use loops read through this: reading the tables through the history, a
    /// stored property of the evaluator, retained and released both tables on every call
    /// (four atomic operations per use in the batch's touch loops alone).
    package var lookup: Lookup { Lookup(subjectStart: subjectStart.base, subjects: subjects, points: points.base) }

    /// The state of (subject, purpose) at `instant`, and the point that decided it.
    package func state(subject: Int32, purpose: Int32, at instant: Int64) -> (ConsentState, Point?) {
        lookup.state(subject: subject, purpose: purpose, at: instant)
    }

    /// See ``lookup``. Its subject checks are unsigned, so a negative subject is out of
    /// range too (the pointers have no bounds checks of their own).
    package struct Lookup {
        fileprivate let subjectStart: UnsafePointer<Int32>
        fileprivate let subjects: Int
        fileprivate let points: UnsafePointer<Point>

        /// Prefetches where `subject`'s points start (see `PolicyEvaluator.touch`): a batch
        /// touches these first, then ``touch(subject:)`` reads them to prefetch the points.
        @inline(__always)
        package func touchStart(subject: Int32) {
            let index = Int(subject)
            guard UInt(bitPattern: index) < UInt(subjects) else { return }
            prefetch(subjectStart + index)
        }

        /// Prefetches the cache lines of `subject`'s points (up to eight, and the last): a
        /// lookup may read any of them. Prefetching only the first and the last point, the
        /// lines between them missed (10M week: 4.46 s against 4.36 s, 9 runs by turns).
        @inline(__always)
        package func touch(subject: Int32) {
            let index = Int(subject)
            guard UInt(bitPattern: index) < UInt(subjects) else { return }
            let start = Int(subjectStart[index]), end = Int(subjectStart[index + 1])
            guard start < end else { return }
            var line = UnsafeRawPointer(points + start)
            let last = UnsafeRawPointer(points + (end - 1)) + (MemoryLayout<Point>.stride - 1)
            var lines = 0
            while line <= last && lines < 8 {
                prefetch(line)
                line += 64
                lines += 1
            }
            prefetch(last)
        }

        /// The state of (subject, purpose) at `instant`, and the point that decided it.
        @inline(__always)
        package func state(subject: Int32, purpose: Int32, at instant: Int64) -> (ConsentState, Point?) {
            let index = Int(subject)
            guard UInt(bitPattern: index) < UInt(subjects) else { return (.none, nil) }
            var start = Int(subjectStart[index])
            let subjectEnd = Int(subjectStart[index + 1])
            while start < subjectEnd && points[start].purpose != purpose { start += 1 }
            var end = start
            while end < subjectEnd && points[end].purpose == purpose { end += 1 }
            // Find the last point with recordedAt <= instant.
            var low = start, high = end
            while low < high {
                let middle = (low + high) >> 1
                if points[middle].recordedAt <= instant { low = middle + 1 } else { high = middle }
            }
            guard low > start else { return (.none, nil) }
            let point = points[low - 1]
            switch point.status {
            case .withdrawn: return (.withdrawn, point)
            case .denied: return (.denied, point)
            case .granted: return (point.expiresAt <= instant ? .expired : .granted, point)
            }
        }
    }

    /// Collects records in any order, then compacts them.
    package struct Builder {
        /// The (subject, purpose) key and time of each record, in input order; the other
        /// arrays hold the rest, at the same index.
        private var entries: [(key: UInt64, time: Int64)] = []
        private var statuses: [ConsentStatus] = []
        private var expiries: [Int64] = []
        private var sources: [Int32] = []

        /// - Parameter expectedRecords: room to make up front. Growing by doubling would
        ///   copy every record about twice more and touch twice the memory; reserving more
        ///   than is used costs address space only, since untouched pages are never mapped.
        package init(expectedRecords: Int = 0) {
            reserve(expectedRecords)
        }

        package var count: Int { entries.count }

        /// Makes room for `total` records in all.
        package mutating func reserve(_ total: Int) {
            guard total > entries.capacity else { return }
            entries.reserveCapacity(total)
            statuses.reserveCapacity(total)
            expiries.reserveCapacity(total)
            sources.reserveCapacity(total)
        }

        package mutating func add(subject: Int32, purpose: Int32, recordedAt: Int64, status: ConsentStatus, expiresAt: Int64?, source: Int32) {
            entries.append((ConsentHistory.key(subject: subject, purpose: purpose), recordedAt))
            statuses.append(status)
            expiries.append(expiresAt ?? .max)
            sources.append(source)
        }

        /// Appends a part's records, translating its subject, purpose and source ids; records
        /// keep their order (it decides ties between records of the same instant).
        package mutating func append(_ other: Builder, subject: PartIDs, purpose: PartIDs, source: PartIDs) {
            for entry in other.entries {
                let key = ConsentHistory.key(
                    subject: subject(Int32(truncatingIfNeeded: entry.key >> 24)),
                    purpose: purpose(Int32(truncatingIfNeeded: entry.key & 0xFF_FFFF)))
                entries.append((key, entry.time))
            }
            statuses += other.statuses
            expiries += other.expiries
            sources += other.sources.map { source($0) }
        }

        /// Compacts the records into a history; the builder is spent afterwards.
        ///
        /// Records are put in (subject, purpose, time, input order) order by a counting sort
        /// on the subject (one pass to count, one to place: no comparison sort over millions
        /// of records), then each subject's few records are sorted by purpose and time and
        /// merged into points. That second step runs on up to `threads` threads, each over a
        /// range of subjects with about the same number of records: each writes its points
        /// where its records start (a subject never has more points than records), and the
        /// ranges are then moved together. The points table is new memory, and faulting it in
        /// is much of the step's time, so it is shared out too.
        /// - Parameter minimumRecordsPerPiece: fewer records than this per thread are not
        ///   worth a thread (tests set 1 to cut a small history into pieces).
        package mutating func build(threads: Int = 1, minimumRecordsPerPiece: Int = 100_000) -> ConsentHistory {
            var history = ConsentHistory()
            let count = entries.count
            guard count > 0 else { return history }
            let pieces = max(1, min(threads, count / max(1, minimumRecordsPerPiece)))
            // The counting sort runs on `pieces` threads too, each over a stretch of the records
            // in input order: each counts its stretch's records per subject, then places them
            // after those of the stretches before it, so records keep input order (it decides
            // ties between records of one instant).
            let stretches = (0...pieces).map { count * $0 / pieces }
            var maxima = [Int](repeating: 0, count: pieces)
            entries.withUnsafeBufferPointer { entries in
                maxima.withUnsafeMutableBufferPointer { maxima in
                    let tables = UncheckedSendable((entries, maxima))
                    Parallel.run(pieces) { piece in
                        let (entries, maxima) = tables.value
                        var largest = 0
                        for index in stretches[piece]..<stretches[piece + 1] { largest = max(largest, Int(entries[index].key >> 24) + 1) }
                        maxima[piece] = largest
                    }
                }
            }
            let subjects = maxima.max() ?? 0
            // next[piece * subjects + s]: piece's records of subject s, then where it places the next one.
            var next = [Int32](repeating: 0, count: pieces * subjects)
            // start[s]..<start[s + 1]: where subject s's records go.
            var start = [Int32](repeating: 0, count: subjects + 1)
            var sorted = [Int32](repeating: 0, count: count)
            entries.withUnsafeBufferPointer { entries in
                next.withUnsafeMutableBufferPointer { next in
                    sorted.withUnsafeMutableBufferPointer { sorted in
                        let tables = UncheckedSendable((entries, next, sorted))
                        Parallel.run(pieces) { piece in
                            let (entries, next, _) = tables.value
                            let counts = next.baseAddress! + piece * subjects
                            for index in stretches[piece]..<stretches[piece + 1] { counts[Int(entries[index].key >> 24)] += 1 }
                        }
                        var placed: Int32 = 0
                        for subject in 0..<subjects {
                            for piece in 0..<pieces {
                                let records = next[piece * subjects + subject]
                                next[piece * subjects + subject] = placed
                                placed += records
                            }
                            start[subject + 1] = placed
                        }
                        Parallel.run(pieces) { piece in
                            let (entries, next, sorted) = tables.value
                            let places = next.baseAddress! + piece * subjects
                            for index in stretches[piece]..<stretches[piece + 1] {
                                let subject = Int(entries[index].key >> 24)
                                sorted[Int(places[subject])] = Int32(index)
                                places[subject] += 1
                            }
                        }
                    }
                }
            }
            next = []
            // Subject ranges of about equal numbers of records, one per thread.
            var bounds = [0]
            for piece in 1..<pieces {
                var subject = bounds[piece - 1]
                while subject < subjects && Int(start[subject]) < count * piece / pieces { subject += 1 }
                bounds.append(subject)
            }
            bounds.append(subjects)
            // Written before it is read, by every thread at once: faulted in as it is written.
            let points = LargeBuffer<Point>(zeroedCapacity: count, populated: false)
            var made = [(starts: [Int32], points: Int)](repeating: ([], 0), count: pieces)
            entries.withUnsafeBufferPointer { entries in
                statuses.withUnsafeBufferPointer { statuses in
                    expiries.withUnsafeBufferPointer { expiries in
                        sources.withUnsafeBufferPointer { sources in
                            sorted.withUnsafeMutableBufferPointer { sorted in
                                start.withUnsafeBufferPointer { start in
                                    made.withUnsafeMutableBufferPointer { made in
                                        let tables = UncheckedSendable(
                                            (entries, statuses, expiries, sources, sorted, start, points.base, made))
                                        Parallel.run(pieces) { piece in
                                            let (entries, statuses, expiries, sources, sorted, start, points, made) = tables.value
                                            made[piece] = Self.compact(
                                                subjects: bounds[piece]..<bounds[piece + 1], entries: entries, statuses: statuses,
                                                expiries: expiries, sources: sources, sorted: sorted, start: start,
                                                into: points + Int(start[bounds[piece]]))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // Move every range's points down behind the ones before it.
            let subjectStart = LargeBuffer<Int32>(zeroedCapacity: subjects + 1)
            var subject = 0
            for piece in made.indices {
                let offset = history.pointCount
                let from = Int(start[bounds[piece]])
                if from != offset { memmove(points.base + offset, points.base + from, made[piece].points * MemoryLayout<Point>.stride) }
                for pieceStart in made[piece].starts {
                    subjectStart[subject] = pieceStart + Int32(offset)
                    subject += 1
                }
                history.pointCount += made[piece].points
            }
            precondition(subject == subjects, "every subject has a start")
            subjectStart[subjects] = Int32(history.pointCount)
            history.subjectStart = subjectStart
            history.subjects = subjects
            history.points = points
            entries = []
            return history
        }

        /// Sorts the records of `subjects` (already grouped by subject in `sorted`) and
        /// merges them into points written from `output` on; returns where each subject's
        /// points start (relative to `output`) and how many points were written.
        private static func compact(
            subjects: Range<Int>, entries: UnsafeBufferPointer<(key: UInt64, time: Int64)>,
            statuses: UnsafeBufferPointer<ConsentStatus>, expiries: UnsafeBufferPointer<Int64>,
            sources: UnsafeBufferPointer<Int32>, sorted: UnsafeMutableBufferPointer<Int32>, start: UnsafeBufferPointer<Int32>,
            into output: UnsafeMutablePointer<Point>
        ) -> (starts: [Int32], points: Int) {
            func before(_ a: Int32, _ b: Int32) -> Bool {
                let x = entries[Int(a)], y = entries[Int(b)]
                return (x.key, x.time, a) < (y.key, y.time, b)
            }
            var starts: [Int32] = []
            starts.reserveCapacity(subjects.count)
            var written = 0
            for subject in subjects {
                starts.append(Int32(written))
                let range = Int(start[subject])..<Int(start[subject + 1])
                if range.count <= 16 {
                    // Insertion sort: most subjects have a handful of records.
                    for index in range.dropFirst() {
                        let moving = sorted[index]
                        var hole = index
                        while hole > range.lowerBound && before(moving, sorted[hole - 1]) {
                            sorted[hole] = sorted[hole - 1]
                            hole -= 1
                        }
                        sorted[hole] = moving
                    }
                } else {
                    sorted[range].sort(by: before)
                }
                var position = range.lowerBound
                while position < range.upperBound {
                    let key = entries[Int(sorted[position])].key
                    let time = entries[Int(sorted[position])].time
                    // Merge all records of this instant: least permissive wins.
                    var decisive = Int(sorted[position])
                    var expiry = Int64.max
                    while position < range.upperBound && entries[Int(sorted[position])].key == key
                        && entries[Int(sorted[position])].time == time
                    {
                        let order = Int(sorted[position])
                        if statuses[order].rawValue > statuses[decisive].rawValue { decisive = order }
                        if statuses[order] == .granted && expiries[order] < expiry {
                            expiry = expiries[order]
                            if statuses[decisive] == .granted { decisive = order }
                        }
                        position += 1
                    }
                    output[written] = Point(
                        recordedAt: time, status: statuses[decisive], expiresAt: expiry, source: sources[decisive],
                        purpose: Int32(truncatingIfNeeded: key & 0xFF_FFFF))
                    written += 1
                }
            }
            return (starts, written)
        }
    }
}
