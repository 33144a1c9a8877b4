/// One campaign of the synthetic data set: its fixed fields and its plan of sends.
struct SyntheticCampaign {
    typealias V = SyntheticVocabulary

    var idField: [UInt8]
    var nameField: [UInt8]
    var tier: Int
    var channel: Int
    var purpose: Int
    /// Category field variants: `[0]` the campaign's own set, `[1]` plus a category outside
    /// the tier's allowed set, `[2...]` plus a stray sensitive category.
    var categories: [[UInt8]]
    var hasCategories: Bool
    /// Whether the campaign's own categories include a sensitive one (precise location at 1:1).
    var usesSensitiveData: Bool
    var anonymousShare: Double
    var firstDay: Int
    /// Touches (a delivery or a holdout) per day of the run.
    var dailyTouches: [Int]
    /// Minute of the day an email or SMS batch starts.
    var sendMinute: Int
    /// The audience is walked as `position += stride (mod subjects)`: a permutation of the
    /// subjects without storing one, so a campaign reaches everyone once before repeating.
    var stride: Int
    var position: Int

    var lastDay: Int { firstDay + dailyTouches.count - 1 }

    // Funnel per tier (bottom of the pyramid first): rates rise with personalization.
    static let openRate = [0.18, 0.22, 0.26, 0.30, 0.34]
    static let clickGivenOpen = [0.12, 0.15, 0.18, 0.21, 0.25]
    static let conversionGivenClick = [0.47, 0.49, 0.50, 0.50, 0.48]
    static let unsubscribeGivenOpen = [0.0056, 0.0068, 0.0077, 0.010, 0.0147]
    static let bounceRate = 0.02
    static let holdoutShare = 0.10
    /// Organic conversion of held-out people per touch, per tier: below the treated rate
    /// (about 1.0% to 4.1% per delivery), so lift grows with personalization.
    static let holdoutConversionRate = [0.009, 0.010, 0.012, 0.014, 0.016]

    /// Expected event rows per touch of a tier, used to size campaigns to the target.
    static func eventsPerTouch(tier: Int) -> Double {
        let clicks = clickGivenOpen[tier] * (1 + conversionGivenClick[tier])
        let opened = openRate[tier] * (1 + unsubscribeGivenOpen[tier] + (1 - unsubscribeGivenOpen[tier]) * clicks)
        let delivered = 1 + bounceRate + (1 - bounceRate) * opened
        return holdoutShare * (1 + holdoutConversionRate[tier]) + (1 - holdoutShare) * delivered
    }

    /// Plans `max(6, events / 2000)` campaigns over the window, sized so that their expected
    /// rows add up to `events`. The first five cover the tiers bottom to top.
    static func plan(events: Int, days: Int, firstDayNumber: Int, subjects: Int, seed: UInt64) -> [SyntheticCampaign] {
        var rng = SplitMix64(seed: seed, stream: 2)
        let count = max(6, events / 2000)
        let idWidth = max(4, String(count).count)
        var campaigns: [SyntheticCampaign] = []
        var budgets: [Double] = []
        campaigns.reserveCapacity(count)
        for index in 0..<count {
            let tier = index < V.tierCount ? index : rng.pick([0.15, 0.30, 0.27, 0.17, 0.11])
            let channel = index == 0 ? V.web : rng.pick([0.40, 0.20, 0.30, 0.10])
            let purpose: Int
            if index < V.tierCount {
                // The first five keep the usual purposes, so every rule shows on small sets.
                purpose = index == V.many ? V.advertising : V.personalization
            } else if tier >= V.few && rng.chance(0.25) {
                purpose = V.profiling
            } else {
                let r = rng.unit()
                purpose = r < 0.75 ? V.personalization : r < 0.95 ? V.advertising : V.analytics
            }

            // The tier's allowed categories, each kept with some chance, always including the
            // one that defines the tier (browsing at 1:Some, predictions at 1:Few, ...).
            var own: [String] = []
            if tier > V.all {
                let allowed = V.allowedCategories[tier]
                let defining = Set(allowed[V.allowedCategories[tier - 1].count...])
                for category in allowed {
                    let keep: Bool
                    if category == "precise_location" {
                        keep = index == V.one || rng.chance(0.7)
                    } else if defining.contains(category) {
                        keep = true
                    } else {
                        keep = rng.chance(0.6)
                    }
                    if keep { own.append(category) }
                }
            }
            var variants = [own, own + [V.notAllowedCategory[tier]]]
            for stray in V.strayCategories where !own.contains(stray) { variants.append(own + [stray]) }

            let length: Int
            switch channel {
            case V.email: length = rng.int(in: 1...4)
            case V.sms: length = rng.int(in: 1...3)
            case V.push: length = rng.int(in: 3...10)
            default: length = rng.int(in: 7...21)
            }
            // The first campaign of each tier is always on (site banners, recommendations,
            // triggered messages), so every tier has activity in every period of the window.
            let run = index < V.tierCount ? days : min(length, days)
            let firstDay = rng.below(days - run + 1)

            let baseName = V.campaignNames[index % V.campaignNames.count]
            let name = index < V.campaignNames.count ? baseName : "\(baseName) \(index / V.campaignNames.count + 1)"
            var id = Array("cmp-".utf8)
            let digits = String(index + 1)
            id += Array(String(repeating: "0", count: max(0, idWidth - digits.count)).utf8) + Array(digits.utf8)

            var stride = 1
            if subjects > 1 {
                repeat { stride = 1 + rng.below(subjects - 1) } while gcd(stride, subjects) != 1
            }
            let anonymousShare = tier == V.all ? (channel == V.web ? 0.30 : 0.04) : (channel == V.web ? 0.03 : 0.005)

            campaigns.append(SyntheticCampaign(
                idField: id, nameField: V.csvField(name), tier: tier, channel: channel, purpose: purpose,
                categories: variants.map { Array($0.joined(separator: ";").utf8) }, hasCategories: !own.isEmpty,
                usesSensitiveData: own.contains("precise_location"),
                anonymousShare: anonymousShare, firstDay: firstDay, dailyTouches: [Int](repeating: 0, count: run),
                sendMinute: rng.int(in: 7 * 60...19 * 60),
                stride: stride, position: subjects > 0 ? rng.below(subjects) : 0))
            budgets.append(0.5 + rng.unit())
        }

        // Share the target between campaigns, then between the days of each run (weekends
        // quieter), rounding cumulatively so nothing is lost.
        let totalBudget = budgets.reduce(0, +)
        for index in campaigns.indices {
            let touches = Double(events) * budgets[index] / totalBudget / eventsPerTouch(tier: campaigns[index].tier)
            var weights: [Double] = []
            var day = campaigns[index].firstDay
            for _ in campaigns[index].dailyTouches.indices {
                let weekday = (firstDayNumber + day + 4) % 7  // 0 = Sunday
                weights.append(weekday == 0 || weekday == 6 ? 0.6 : 1.0)
                day += 1
            }
            let sum = weights.reduce(0, +)
            var cumulative = 0.0
            var assigned = 0
            var daily: [Int] = []
            for weight in weights {
                cumulative += weight
                let upTo = Int((touches * cumulative / sum).rounded())
                daily.append(upTo - assigned)
                assigned = upTo
            }
            campaigns[index].dailyTouches = daily
        }
        return campaigns
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
