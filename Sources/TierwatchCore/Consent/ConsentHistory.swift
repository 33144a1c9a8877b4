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
    package struct Point: Sendable, BitwiseCopyable {
        package var recordedAt: Int64
        package var status: ConsentStatus
        /// The earliest expiry among the grants at this instant (`Int64.max`: none).
        package var expiresAt: Int64
        /// The `source` of the deciding record (an id in the sources interner).
        package var source: Int32
        package var purpose: Int32
    }

    private var points = LargeBuffer<Point>(zeroedCapacity: 0)
    package private(set) var pointCount = 0
    /// `points[subjectStart[s]..<subjectStart[s + 1]]` are subject `s`'s points.
    private var subjectStart: [Int32] = [0]


    /// The purpose id of a purpose no consent record names: no lookup ever finds a point.
    package static let unknownPurpose: Int32 = -1

    @inline(__always)
    package static func key(subject: Int32, purpose: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: subject)) << 24 | UInt64(UInt32(bitPattern: purpose) & 0xFF_FFFF)
    }

    /// Reads the first point of `subject`, and nothing else (see `PolicyEvaluator.touch`).
    @inline(__always)
    package func touch(subject: Int32) -> UInt64 {
        let index = Int(subject)
        guard index + 1 < subjectStart.count else { return 0 }
        let start = Int(subjectStart[index])
        return start < pointCount ? UInt64(bitPattern: points[start].recordedAt) : 0
    }

    /// The state of (subject, purpose) at `instant`, and the point that decided it.
    @inline(__always)
    package func state(subject: Int32, purpose: Int32, at instant: Int64) -> (ConsentState, Point?) {
        let index = Int(subject)
        guard index + 1 < subjectStart.count else { return (.none, nil) }
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

    /// Collects records in any order, then compacts them.
    package struct Builder {
        private var entries: [(key: UInt64, time: Int64, order: Int32)] = []
        private var statuses: [ConsentStatus] = []
        private var expiries: [Int64] = []
        private var sources: [Int32] = []

        package init() {}

        package var count: Int { entries.count }

        package mutating func add(subject: Int32, purpose: Int32, recordedAt: Int64, status: ConsentStatus, expiresAt: Int64?, source: Int32) {
            entries.append((ConsentHistory.key(subject: subject, purpose: purpose), recordedAt, Int32(statuses.count)))
            statuses.append(status)
            expiries.append(expiresAt ?? .max)
            sources.append(source)
        }

        /// Appends a part's records, translating its subject, purpose and source ids; records
        /// keep their order (it decides ties between records of the same instant).
        package mutating func append(_ other: Builder, subject: PartIDs, purpose: PartIDs, source: PartIDs) {
            let base = Int32(statuses.count)
            entries.reserveCapacity(entries.count + other.entries.count)
            for entry in other.entries {
                let key = ConsentHistory.key(
                    subject: subject(Int32(truncatingIfNeeded: entry.key >> 24)),
                    purpose: purpose(Int32(truncatingIfNeeded: entry.key & 0xFF_FFFF)))
                entries.append((key, entry.time, entry.order + base))
            }
            statuses += other.statuses
            expiries += other.expiries
            sources += other.sources.map { source($0) }
        }

        /// Compacts the records into a history. Sorts in place (no second copy of millions
        /// of entries): the builder is spent afterwards.
        package mutating func build() -> ConsentHistory {
            var history = ConsentHistory()
            entries.sort { ($0.key, $0.time, $0.order) < ($1.key, $1.time, $1.order) }
            let sorted = entries
            history.points = LargeBuffer(zeroedCapacity: sorted.count)
            var index = 0
            while index < sorted.count {
                let key = sorted[index].key
                let subject = Int(key >> 24)
                // Subjects without records in between get empty ranges.
                while history.subjectStart.count <= subject { history.subjectStart.append(Int32(history.pointCount)) }
                while index < sorted.count && sorted[index].key == key {
                    let time = sorted[index].time
                    // Merge all records of this instant: least permissive wins.
                    var decisive = Int(sorted[index].order)
                    var expiry = Int64.max
                    while index < sorted.count && sorted[index].key == key && sorted[index].time == time {
                        let order = Int(sorted[index].order)
                        if statuses[order].rawValue > statuses[decisive].rawValue { decisive = order }
                        if statuses[order] == .granted && expiries[order] < expiry {
                            expiry = expiries[order]
                            if statuses[decisive] == .granted { decisive = order }
                        }
                        index += 1
                    }
                    history.points[history.pointCount] = Point(
                        recordedAt: time, status: statuses[decisive], expiresAt: expiry, source: sources[decisive],
                        purpose: Int32(truncatingIfNeeded: key & 0xFF_FFFF))
                    history.pointCount += 1
                }
            }
            history.subjectStart.append(Int32(history.pointCount))
            return history
        }
    }
}
