/// The subjects of a synthetic data set: jurisdiction, currency, consent and erasure.
///
/// Built once, before any event, while `consents.csv` and `erasures.csv` are written; what
/// the event loop needs later is kept as a compact per-subject summary (the consent state
/// at the window start and its one change inside the window), so memory stays at a few
/// bytes per subject whatever the number of consent records.
struct SyntheticPopulation {
    typealias V = SyntheticVocabulary

    /// Consent states as the README's rule computes them.
    static let none: UInt8 = 0, granted: UInt8 = 1, denied: UInt8 = 2, withdrawn: UInt8 = 3, expired: UInt8 = 4

    let count: Int
    private(set) var jurisdiction: [UInt8]
    private(set) var currency: [UInt8]
    /// Erasure request time (ms) per subject; `Int64.max` when none.
    private(set) var erasedAt: [Int64]
    /// Erased subjects whose erasure never reached the campaign tool (they keep getting events).
    private(set) var erasureIgnored: [Bool]
    private var baseState: [UInt8]
    private var changeState: [UInt8]
    private var changeAt: [Int64]

    private(set) var consentRows = 0
    private(set) var erasureRows = 0

    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    private struct Record {
        var at: Int64
        var status: Int  // index into consentStatuses
        var expires: Int64 = .max
        var source: Int
        var millis = false
    }

    /// Draws the population and writes its consents and erasures.
    init(count: Int, seed: UInt64, windowStart: Int64, windowEnd: Int64, brokenConsent: Double = 0,
         consents: SyntheticOutputFile, erasures: SyntheticOutputFile) throws {
        self.count = count
        jurisdiction = [UInt8](repeating: 0, count: count)
        currency = [UInt8](repeating: 0, count: count)
        erasedAt = [Int64](repeating: .max, count: count)
        erasureIgnored = [Bool](repeating: false, count: count)
        baseState = [UInt8](repeating: 0, count: count * 4)
        changeState = [UInt8](repeating: 0, count: count * 4)
        changeAt = [Int64](repeating: .max, count: count * 4)

        var rng = SplitMix64(seed: seed, stream: 1)
        // Its own stream: the ordinary draws stay the same whatever the share.
        var breakage = SplitMix64(seed: seed, stream: 5)
        var records: [Record] = []
        records.reserveCapacity(8)
        var written: [Record] = []
        let jurisdictionBytes = V.bytes(V.canonicalJurisdictions)
        let purposeBytes = V.bytes(V.purposes)
        let statusBytes = V.bytes(V.consentStatuses)
        let sourceBytes = V.bytes(V.consentSources)

        consents.append(Array("subject_id,purpose,status,recorded_at,source,jurisdiction,expires_at".utf8))
        try consents.endRow()
        for subject in 0..<count {
            let j = rng.pick(V.jurisdictionWeights)
            jurisdiction[subject] = UInt8(j)
            switch j {
            case V.eu: currency[subject] = UInt8(rng.chance(0.12) ? V.sek : V.eur)
            case V.uk: currency[subject] = UInt8(V.gbp)
            default: currency[subject] = UInt8(V.usd)
            }
            for purpose in 0..<4 {
                Self.history(&records, jurisdiction: j, purpose: purpose, rng: &rng,
                             windowStart: windowStart, windowEnd: windowEnd)
                // The campaigns go on targeting by the consent people gave (the events are drawn
                // from `records`); only what the broken banner recorded is written.
                written = records
                if brokenConsent > 0, j == V.eu || j == V.uk || j == V.usCA, breakage.unit() < brokenConsent {
                    written.removeAll(keepingCapacity: true)
                    if j == V.usCA { written.append(Record(at: windowStart - 30 * Self.day, status: 1, source: 0)) }
                }
                for record in written {
                    Self.appendSubject(subject, to: consents)
                    consents.append(0x2C)
                    consents.append(purposeBytes[purpose])
                    consents.append(0x2C)
                    consents.append(statusBytes[record.status])
                    consents.append(0x2C)
                    consents.appendTimestamp(record.at, millis: record.millis)
                    consents.append(0x2C)
                    consents.append(sourceBytes[record.source])
                    consents.append(0x2C)
                    consents.append(jurisdictionBytes[j])
                    consents.append(0x2C)
                    if record.expires != .max { consents.appendTimestamp(record.expires, millis: false) }
                    try consents.endRow()
                }
                consentRows += written.count
                summarise(records, slot: subject * 4 + purpose, windowStart: windowStart, windowEnd: windowEnd)
            }
        }

        // ~0.3% of subjects ask for erasure in the middle of the window; a third of those
        // requests (and two of the first three) never reach the campaign tool, which keeps sending (after_erasure).
        erasures.append(Array("subject_id,requested_at".utf8))
        try erasures.endRow()
        let wanted = count == 0 ? 0 : min(count, max(3, count * 3 / 1000))
        var chosen: [(at: Int64, subject: Int)] = []
        let window = windowEnd - windowStart
        while chosen.count < wanted {
            let subject = rng.below(count)
            if erasedAt[subject] != .max { continue }
            let at = (windowStart + rng.int64(in: window / 3...window * 11 / 20)) / 1000 * 1000
            erasedAt[subject] = at
            erasureIgnored[subject] = chosen.count % 3 == 0 || chosen.count == 1
            chosen.append((at, subject))
        }
        chosen.sort { $0.at != $1.at ? $0.at < $1.at : $0.subject < $1.subject }
        for entry in chosen {
            Self.appendSubject(entry.subject, to: erasures)
            erasures.append(0x2C)
            erasures.appendTimestamp(entry.at, millis: false)
            try erasures.endRow()
        }
        erasureRows = chosen.count
    }

    /// The consent state of (subject, purpose) at `time`, inside the window.
    @inline(__always)
    func state(subject: Int, purpose: Int, at time: Int64) -> UInt8 {
        let slot = subject &* 4 &+ purpose
        return time >= changeAt[slot] ? changeState[slot] : baseState[slot]
    }

    /// `c-000123`.
    @inline(__always)
    static func appendSubject(_ subject: Int, to file: SyntheticOutputFile) {
        file.append(0x63)
        file.append(0x2D)
        file.appendDigits(subject + 1, width: 6)
    }

    /// Draws the consent history of one (subject, purpose), oldest record first.
    ///
    /// EU/UK (opt-in): most grant personalization long before the window, some never answer,
    /// some deny; inside the window a few withdraw or deny, some grants expire, a few who had
    /// not answered grant late, and a few grants carry a conflicting denial with the same
    /// `recorded_at` (a tie). US-CA (opt-out): mostly no record, some opt out. Elsewhere a
    /// banner grant now and then.
    private static func history(_ records: inout [Record], jurisdiction j: Int, purpose: Int,
                                rng: inout SplitMix64, windowStart: Int64, windowEnd: Int64) {
        records.removeAll(keepingCapacity: true)
        enum Final { case none, granted, denied }
        enum Change { case none, withdraw, deny, expire, lateGrant, tie }
        var final = Final.none
        var change = Change.none
        var priors = 0
        switch j {
        case V.eu, V.uk:
            let pNone = [0.07, 0.20, 0.25, 0.15][purpose]
            let pDenied = [0.05, 0.15, 0.05, 0.15][purpose]
            let r = rng.unit()
            final = r < pNone ? .none : r < pNone + pDenied ? .denied : .granted
            let c = rng.unit()
            if final == .granted {
                change = c < 0.04 ? .withdraw : c < 0.06 ? .deny : c < 0.11 ? .expire : c < 0.125 ? .tie : .none
            } else if c < 0.03 {
                change = .lateGrant
            }
            priors = rng.below(5)
        case V.usCA:
            let r = rng.unit()
            if purpose <= V.advertising {
                final = r < 0.08 ? .denied : r < 0.20 ? .granted : .none
                // An opt-out inside the window: a withdrawal, with or without an earlier grant.
                if final != .denied && rng.chance(final == .granted ? 0.05 : 0.06) { change = .withdraw }
            } else {
                final = r < 0.05 ? .granted : .none
            }
            priors = rng.below(2)
        default:
            final = rng.chance([0.30, 0.10, 0.10, 0.03][purpose]) ? .granted : .none
            priors = rng.below(2)
        }

        if final != .none {
            var expires = Int64.max
            var last: Int64
            if change == .expire {
                expires = rng.int64(in: windowStart + hour...max(windowStart + hour, windowEnd - hour)) / 1000 * 1000
                last = min(expires - 365 * day, windowStart - day)
            } else {
                last = windowStart - rng.int64(in: day...700 * day)
                if final == .granted && rng.chance(0.5) { expires = last / 1000 * 1000 + 730 * day }
            }
            last = last / 1000 * 1000
            let millis = rng.chance(0.05)
            if millis { last += Int64(rng.int(in: 1...999)) }
            var at = last
            for _ in 0..<priors {
                at -= rng.int64(in: 20 * day...400 * day)
                let r = rng.unit()
                records.append(Record(at: at / 1000 * 1000, status: r < 0.8 ? 0 : r < 0.9 ? 2 : 1,
                                      source: rng.below(V.consentSources.count)))
            }
            records.reverse()
            let source = rng.below(V.consentSources.count)
            records.append(Record(at: last, status: final == .granted ? 0 : 1, expires: expires,
                                  source: source, millis: millis))
            if change == .tie {
                records.append(Record(at: last, status: 1, source: (source + 1) % V.consentSources.count,
                                      millis: millis))
            }
        }
        let status: Int? = switch change {
        case .withdraw: 2
        case .deny: 1
        case .lateGrant: 0
        case .none, .expire, .tie: nil
        }
        if let status {
            let at = rng.int64(in: windowStart + 6 * hour...max(windowStart + 6 * hour, windowEnd - 6 * hour))
            records.append(Record(at: at / 1000 * 1000, status: status, source: rng.below(2)))
        }
    }

    /// Keeps the state at the window start and at the first change inside the window.
    private mutating func summarise(_ records: [Record], slot: Int, windowStart: Int64, windowEnd: Int64) {
        baseState[slot] = Self.evaluate(records, at: windowStart)
        var first = Int64.max
        for record in records {
            if record.at > windowStart && record.at < windowEnd { first = min(first, record.at) }
            if record.expires > windowStart && record.expires < windowEnd { first = min(first, record.expires) }
        }
        if first != .max {
            changeAt[slot] = first
            changeState[slot] = Self.evaluate(records, at: first)
        }
    }

    /// The README's state rule over one history (sorted by `recorded_at`).
    private static func evaluate(_ records: [Record], at time: Int64) -> UInt8 {
        var latest = Int64.min
        var sawWithdrawn = false, sawDenied = false, sawExpired = false, any = false
        for record in records where record.at <= time {
            if record.at > latest {
                latest = record.at
                sawWithdrawn = false
                sawDenied = false
                sawExpired = false
            }
            any = true
            switch record.status {
            case 2: sawWithdrawn = true
            case 1: sawDenied = true
            default: if record.expires <= time { sawExpired = true }
            }
        }
        if !any { return none }
        return sawWithdrawn ? withdrawn : sawDenied ? denied : sawExpired ? expired : granted
    }
}
