/// Writes a deterministic synthetic data set (events, consents, erasures, surveys) into
/// `directory`, creating it.
///
/// Files: `events/events-YYYY-MM-DD.csv` (one per UTC day of the window, header only on a
/// quiet day), `consents.csv`, `erasures.csv`, `surveys.csv`, in the README's canonical
/// columns (the events files in the vendor's columns and values with `.vendor`). The same
/// spec always gives byte-identical files: all randomness comes from `SplitMix64` streams of
/// `spec.seed`, all dates from integer calendar arithmetic. Events are generated day by day,
/// campaign by campaign, and streamed out; memory is a few dozen bytes per subject.
///
/// The data is a mostly compliant company: every consent rule of the README fires, on a few
/// percent of uses, from realistic causes (a nightly suppression sync one day behind,
/// manual uploads that skip the consent check, erasures that never reached the campaign
/// tool, a misconfigured audience, a stray sensitive category).
package func writeSyntheticDataSet(_ spec: SyntheticDataSpec, to directory: String) throws -> SyntheticDataSummary {
    guard spec.events >= 0 else { throw TierwatchError(.usage, "--events must not be negative") }
    guard (1...3660).contains(spec.days) else { throw TierwatchError(.usage, "--days must be between 1 and 3660") }
    guard spec.invalidRows >= 0 else { throw TierwatchError(.usage, "--invalid-rows must not be negative") }
    guard (0...1).contains(spec.brokenConsent) else { throw TierwatchError(.usage, "--broken-consent expects a share from 0 to 1") }
    guard let firstDay = SyntheticCalendar.parseDay(spec.startDate) else {
        throw TierwatchError(.usage, "start date '\(spec.startDate)' is not a YYYY-MM-DD day")
    }
    let subjects = spec.subjects ?? max(50, spec.events / 12)
    guard subjects >= 1 else { throw TierwatchError(.usage, "--subjects must be at least 1") }

    try SyntheticOutputFile.makeDirectory(directory + "/events")
    var generator = try SyntheticGenerator(spec: spec, directory: directory, firstDay: firstDay, subjects: subjects)
    return try generator.run()
}

/// The event loop of `writeSyntheticDataSet`.
struct SyntheticGenerator {
    typealias V = SyntheticVocabulary
    typealias Campaign = SyntheticCampaign

    private let spec: SyntheticDataSpec
    private let directory: String
    private let firstDay: Int
    private let windowStart: Int64
    private let windowEnd: Int64
    private let population: SyntheticPopulation
    private var campaigns: [Campaign]
    private var rng: SplitMix64
    private let consentsFile: SyntheticOutputFile
    private let erasuresFile: SyntheticOutputFile
    private let surveys: SyntheticOutputFile

    private let tierFields: [[UInt8]]
    private let eventTypeFields: [[UInt8]]
    private let jurisdictionFields: [[UInt8]]
    private let canonicalTierFields = V.bytes(V.canonicalTiers)
    private let channelFields = V.bytes(V.channels)
    private let purposeFields = V.bytes(V.purposes)
    private let currencyFields = V.bytes(V.currencies)

    private var eventNumber = 0
    private var surveyNumber = 0
    private var invalidNumber = 0
    private var dayEvents = 0

    /// A touch's shared fields: who, where, with what data.
    private struct Touch {
        var subject: Int  // -1: anonymous
        var jurisdiction: Int
        var currency: Int
        var categoryVariant: Int
    }

    static let canonicalHeader = "event_id,occurred_at,subject_id,campaign_id,campaign_name,tier,channel,event_type,revenue,currency,data_categories,purpose,jurisdiction"
    static let vendorHeader = "EventID,Timestamp,CustomerID,CampaignID,CampaignName,Level,Channel,Action,Revenue,Currency,DataUsed,Purpose,Region"
    private static let hourWeights: [Double] = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 3, 3.5, 3.5, 3.5,
                                                4, 3.5, 3.5, 3.5, 3.5, 4, 4.5, 5, 5, 4.5, 3.5, 2]
    /// The share of non-consented subjects a campaign reaches anyway (manual uploads).
    private static let consentCheckSkipped = 0.08
    private static let day = SyntheticPopulation.day
    private static let minute: Int64 = 60_000

    init(spec: SyntheticDataSpec, directory: String, firstDay: Int, subjects: Int) throws {
        self.spec = spec
        self.directory = directory
        self.firstDay = firstDay
        windowStart = Int64(firstDay) * Self.day
        windowEnd = windowStart + Int64(spec.days) * Self.day
        consentsFile = try SyntheticOutputFile(path: directory + "/consents.csv")
        erasuresFile = try SyntheticOutputFile(path: directory + "/erasures.csv")
        surveys = try SyntheticOutputFile(path: directory + "/surveys.csv")
        population = try SyntheticPopulation(
            count: subjects, seed: spec.seed, windowStart: windowStart, windowEnd: windowEnd, brokenConsent: spec.brokenConsent,
            consents: consentsFile, erasures: erasuresFile)
        campaigns = Campaign.plan(events: spec.events, days: spec.days, firstDayNumber: firstDay,
                                  subjects: subjects, seed: spec.seed)
        rng = SplitMix64(seed: spec.seed, stream: 3)
        let vendor = spec.dialect == .vendor
        tierFields = V.bytes(vendor ? V.vendorTiers : V.canonicalTiers)
        eventTypeFields = V.bytes(vendor ? V.vendorEventTypes : V.canonicalEventTypes)
        jurisdictionFields = V.bytes(vendor ? V.vendorJurisdictions : V.canonicalJurisdictions)
    }

    mutating func run() throws -> SyntheticDataSummary {
        surveys.append(Array("response_id,submitted_at,subject_id,campaign_id,tier,csat,nps,felt_intrusive".utf8))
        try surveys.endRow()
        let header = Array((spec.dialect == .vendor ? Self.vendorHeader : Self.canonicalHeader).utf8)
        // Malformed rows come from their own stream so that asking for them leaves every
        // valid row exactly as it was.
        var invalidRNG = SplitMix64(seed: spec.seed, stream: 4)
        let expectedPerDay = max(1, spec.events / spec.days)

        var eventFiles: [String] = []
        var eventBytes = 0
        for day in 0..<spec.days {
            let dayStart = windowStart + Int64(day) * Self.day
            let name = "events/events-" + SyntheticCalendar.dayText(firstDay + day) + ".csv"
            let file = try SyntheticOutputFile(path: directory + "/" + name)
            file.append(header)
            try file.endRow()

            // This day's share of the malformed rows, each after a drawn number of rows.
            let invalidFrom = (day * spec.invalidRows + spec.days - 1) / spec.days
            let invalidTo = ((day + 1) * spec.invalidRows + spec.days - 1) / spec.days
            var positions = (invalidFrom..<invalidTo).map { _ in invalidRNG.below(expectedPerDay) }
            positions.sort()
            var nextInvalid = 0

            dayEvents = 0
            for index in campaigns.indices where campaigns[index].firstDay <= day && day <= campaigns[index].lastDay {
                let touches = campaigns[index].dailyTouches[day - campaigns[index].firstDay]
                for _ in 0..<touches {
                    try touch(campaign: index, dayStart: dayStart, file: file)
                    while nextInvalid < positions.count && dayEvents >= positions[nextInvalid] {
                        try writeInvalidRow(dayStart: dayStart, file: file)
                        nextInvalid += 1
                    }
                }
            }
            while nextInvalid < positions.count {
                try writeInvalidRow(dayStart: dayStart, file: file)
                nextInvalid += 1
            }
            try file.finish()
            eventBytes += file.bytesWritten
            eventFiles.append(name)
        }
        try surveys.finish()
        try consentsFile.finish()
        try erasuresFile.finish()
        return SyntheticDataSummary(
            eventFiles: eventFiles, events: eventNumber, consents: population.consentRows,
            erasures: population.erasureRows, surveys: surveyNumber,
            bytes: eventBytes + surveys.bytesWritten + consentsFile.bytesWritten + erasuresFile.bytesWritten,
            invalidRows: invalidNumber, eventBytes: eventBytes, subjects: population.count, campaigns: campaigns.count)
    }

    /// Whether `subject` is in the control group of `tier` (a fixed 10% of people per tier).
    static func isControl(tier: Int, subject: Int) -> Bool {
        var z = UInt64(tier) << 40 ^ UInt64(subject) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z % 10_000) < Campaign.holdoutShare * 10_000
    }

    /// One delivery (or holdout) of a campaign to one subject, with its funnel.
    private mutating func touch(campaign index: Int, dayStart: Int64, file: SyntheticOutputFile) throws {
        let campaign = campaigns[index]
        let dayLast = dayStart + Self.day - 1000
        var sendAt: Int64
        switch campaign.channel {
        case V.email, V.sms:
            sendAt = dayStart + Int64(campaign.sendMinute) * Self.minute + rng.int64(in: 0...90 * Self.minute)
        default:
            let hour = Int64(rng.pick(Self.hourWeights))
            sendAt = dayStart + hour * 60 * Self.minute + rng.int64(in: 0...60 * Self.minute - 1)
        }
        sendAt = min(sendAt / 1000 * 1000, dayLast)

        var touch = Touch(subject: -1, jurisdiction: 0, currency: 0, categoryVariant: 0)
        if rng.chance(campaign.anonymousShare) {
            touch.jurisdiction = rng.pick(V.jurisdictionWeights)
            touch.currency = switch touch.jurisdiction {
            case V.eu: rng.chance(0.12) ? V.sek : V.eur
            case V.uk: V.gbp
            default: V.usd
            }
        } else {
            // The suppression list is synced nightly: the campaign sees consent as it was a
            // day ago, which is how fresh withdrawals and expiries still get messages.
            let checkedAt = max(windowStart, dayStart - Self.day)
            let subjects = population.count
            for _ in 0..<8 {
                let candidate = campaigns[index].position
                campaigns[index].position += campaign.stride
                if campaigns[index].position >= subjects { campaigns[index].position -= subjects }
                if eligible(candidate, campaign: campaign, sendAt: sendAt, checkedAt: checkedAt) {
                    touch.subject = candidate
                    break
                }
            }
            guard touch.subject >= 0 else { return }
            touch.jurisdiction = Int(population.jurisdiction[touch.subject])
            touch.currency = Int(population.currency[touch.subject])
            if rng.chance(0.005) {
                touch.categoryVariant = 1
            } else if rng.chance(0.003) {
                touch.categoryVariant = 2 + rng.below(campaign.categories.count - 2)
            }
        }

        let tier = campaign.tier
        // Control is a property of the person within a tier (a tier-wide holdout, as uplift
        // programmes run it), so nobody is both treated and control and the split matches
        // the planned share; anonymous touches are drawn per touch.
        let control = touch.subject >= 0 ? Self.isControl(tier: tier, subject: touch.subject) : rng.chance(Campaign.holdoutShare)
        if control {
            try event(V.holdout, at: sendAt, touch, campaign, file)
            if rng.chance(Campaign.holdoutConversionRate[tier]) {
                try event(V.conversion, at: later(sendAt, 3600...36_000, dayLast), touch, campaign, file)
            }
            return
        }
        try event(V.delivered, at: sendAt, touch, campaign, file)
        if rng.chance(Campaign.bounceRate) {
            try event(V.bounce, at: later(sendAt, 1...120, dayLast), touch, campaign, file)
            return
        }
        if touch.subject >= 0 && rng.chance(0.03) { try survey(touch, campaign, after: sendAt) }
        guard rng.chance(Campaign.openRate[tier]) else { return }
        let openAt = later(sendAt, 60...21_600, dayLast)
        try event(V.open, at: openAt, touch, campaign, file)
        if rng.chance(Campaign.unsubscribeGivenOpen[tier]) {
            try event(V.unsubscribe, at: later(openAt, 10...300, dayLast), touch, campaign, file)
            return
        }
        guard rng.chance(Campaign.clickGivenOpen[tier]) else { return }
        let clickAt = later(openAt, 5...1200, dayLast)
        try event(V.click, at: clickAt, touch, campaign, file)
        guard rng.chance(Campaign.conversionGivenClick[tier]) else { return }
        try event(V.conversion, at: later(clickAt, 60...5400, dayLast), touch, campaign, file)
    }

    /// A time `delay` seconds after `time`, squeezed into what is left of the day so that a
    /// late send's funnel stays in its day's file without piling up at 23:59:59.
    private mutating func later(_ time: Int64, _ delay: ClosedRange<Int64>, _ dayLast: Int64) -> Int64 {
        let room = (dayLast - time) / 1000
        if room <= delay.lowerBound { return time + rng.int64(in: 0...max(0, room)) * 1000 }
        return time + rng.int64(in: delay.lowerBound...min(delay.upperBound, room)) * 1000
    }

    /// Whether the campaign tool would send to `subject`: erasures and the consent the
    /// regime asks for, as last synced, except for a few sends that skip the check.
    private mutating func eligible(_ subject: Int, campaign: Campaign, sendAt: Int64, checkedAt: Int64) -> Bool {
        if population.erasedAt[subject] <= sendAt && !population.erasureIgnored[subject] { return false }
        switch Int(population.jurisdiction[subject]) {
        case V.eu, V.uk:
            if campaign.tier != V.all || campaign.hasCategories {
                let state = population.state(subject: subject, purpose: campaign.purpose, at: checkedAt)
                if state != SyntheticPopulation.granted && !rng.chance(Self.consentCheckSkipped) { return false }
            }
            if campaign.tier >= V.few && campaign.purpose != V.profiling {
                let state = population.state(subject: subject, purpose: V.profiling, at: checkedAt)
                if state != SyntheticPopulation.granted && !rng.chance(Self.consentCheckSkipped) { return false }
            }
        case V.usCA:
            // Opt-out, except that sensitive data (precise location) needs an explicit yes.
            let state = population.state(subject: subject, purpose: campaign.purpose, at: checkedAt)
            let refused = campaign.usesSensitiveData
                ? state != SyntheticPopulation.granted
                : state == SyntheticPopulation.denied || state == SyntheticPopulation.withdrawn
            if refused && !rng.chance(Self.consentCheckSkipped) { return false }
        default:
            break
        }
        return true
    }

    /// One event row.
    private mutating func event(_ type: Int, at time: Int64, _ touch: Touch, _ campaign: Campaign,
                                _ file: SyntheticOutputFile) throws {
        eventNumber += 1
        dayEvents += 1
        file.append(0x65)  // "ev-"
        file.append(0x76)
        file.append(0x2D)
        file.appendDigits(eventNumber, width: 10)
        file.append(0x2C)
        appendEventTime(time, jurisdiction: touch.jurisdiction, file)
        file.append(0x2C)
        if touch.subject >= 0 { SyntheticPopulation.appendSubject(touch.subject, to: file) }
        file.append(0x2C)
        file.append(campaign.idField)
        file.append(0x2C)
        file.append(campaign.nameField)
        file.append(0x2C)
        file.append(tierFields[campaign.tier])
        file.append(0x2C)
        file.append(channelFields[campaign.channel])
        file.append(0x2C)
        file.append(eventTypeFields[type])
        file.append(0x2C)
        if type == V.conversion {
            // 5.00 to 400.00, most baskets small.
            let a = rng.below(39_501), b = rng.below(39_501)
            file.appendCents(500 + a * b / 39_500)
            file.append(0x2C)
            file.append(currencyFields[touch.currency])
        } else {
            file.append(0x2C)
        }
        file.append(0x2C)
        if touch.subject >= 0 || campaign.tier != V.all {
            file.append(campaign.categories[touch.categoryVariant])
        }
        file.append(0x2C)
        if touch.subject >= 0 { file.append(purposeFields[campaign.purpose]) }
        file.append(0x2C)
        file.append(jurisdictionFields[touch.jurisdiction])
        try file.endRow()
    }

    /// Mostly `Z`; ~10% the same instant with a local offset, a few with milliseconds and
    /// a few in the `2026-11-16 10:30:00+0100` form.
    private mutating func appendEventTime(_ time: Int64, jurisdiction: Int, _ file: SyntheticOutputFile) {
        let form = rng.below(1000)
        if form < 870 {
            file.appendTimestamp(time, millis: false)
        } else if form < 890 {
            file.appendTimestamp(time + Int64(rng.int(in: 1...999)), millis: true)
        } else {
            let offsets = V.jurisdictionOffsets[jurisdiction]
            let offset = offsets[rng.below(offsets.count)]
            file.appendTimestamp(time, millis: false, offsetMinutes: offset, compact: form >= 990)
        }
    }

    /// A satisfaction survey 30 minutes to 3 days after a delivery. Intrusiveness rises
    /// with the tier; CSAT is a little lower at 1:1.
    private mutating func survey(_ touch: Touch, _ campaign: Campaign, after sendAt: Int64) throws {
        let csatWeights: [[Double]] = [[4, 6, 18, 40, 32], [3, 5, 16, 41, 35], [3, 5, 15, 40, 37],
                                       [3, 5, 15, 39, 38], [5, 7, 17, 37, 34]]
        let intrusive = [0.04, 0.07, 0.11, 0.17, 0.26]
        surveyNumber += 1
        surveys.append(0x73)  // "sv-"
        surveys.append(0x76)
        surveys.append(0x2D)
        surveys.appendDigits(surveyNumber, width: 8)
        surveys.append(0x2C)
        let submitted = sendAt + rng.int64(in: 30 * Self.minute...3 * Self.day) / 1000 * 1000
        surveys.appendTimestamp(submitted, millis: false)
        surveys.append(0x2C)
        SyntheticPopulation.appendSubject(touch.subject, to: surveys)
        surveys.append(0x2C)
        surveys.append(campaign.idField)
        surveys.append(0x2C)
        surveys.append(canonicalTierFields[campaign.tier])
        surveys.append(0x2C)
        let csat = 1 + rng.pick(csatWeights[campaign.tier])
        if rng.chance(0.92) { surveys.appendDigits(csat, width: 1) }
        surveys.append(0x2C)
        if rng.chance(0.55) { surveys.appendDigits(min(10, max(0, csat * 2 - 1 + rng.int(in: -2...2))), width: 1) }
        surveys.append(0x2C)
        if rng.chance(0.65) { surveys.append(rng.chance(intrusive[campaign.tier]) ? 0x31 : 0x30) }
        try surveys.endRow()
    }

    /// The kinds of malformed rows, in turn: each breaks exactly one thing a reader rejects.
    static let invalidKinds = 9

    /// A malformed event row (id `ev-bad-NNNNNN`): bad timestamp, unknown tier, unknown
    /// event type, too few or too many fields, a quote inside an unquoted field, text after
    /// a closing quote, invalid UTF-8, or an empty event id.
    private mutating func writeInvalidRow(dayStart: Int64, file: SyntheticOutputFile) throws {
        let kind = invalidNumber % Self.invalidKinds
        invalidNumber += 1
        let campaign = campaigns[0]
        let vendor = spec.dialect == .vendor
        var id = Array("ev-bad-".utf8)
        let digits = String(invalidNumber)
        id += Array((String(repeating: "0", count: max(0, 6 - digits.count)) + digits).utf8)
        let time = Array((SyntheticCalendar.dayText(Int(dayStart / Self.day)) + "T12:00:00Z").utf8)
        var fields: [[UInt8]] = [
            id, time, Array("c-000001".utf8), campaign.idField, campaign.nameField, tierFields[V.many],
            channelFields[V.email], eventTypeFields[V.delivered], [], [], Array("location".utf8),
            purposeFields[V.personalization], jurisdictionFields[V.eu],
        ]
        switch kind {
        case 0: fields[1] = Array(time.prefix(11)) + Array("25:61:00Z".utf8)
        case 1: fields[5] = Array((vendor ? "1:Several" : "one_to_several").utf8)
        case 2: fields[7] = Array((vendor ? "Purchase" : "purchase").utf8)
        case 3: fields.removeLast()
        case 4: fields.append(Array("extra".utf8))
        case 5: fields[4] = Array("Spring \"Flash\" Sale".utf8)
        case 6: fields[4] = Array("\"Winter Sale\"s".utf8)
        case 7: fields[4] = [0x48, 0xF6, 0x73, 0x74, 0x72, 0x65, 0x61]  // "Höstrea" in Latin-1
        default: fields[0] = []
        }
        for (index, field) in fields.enumerated() {
            if index > 0 { file.append(0x2C) }
            file.append(field)
        }
        try file.endRow()
    }
}
