/// Fixed vocabularies of the synthetic data set, as the bytes each dialect writes.
///
/// Indices, not the domain enums of Ingest: the generator describes what a vendor's export
/// looks like and must not change when the reader's model does.
enum SyntheticVocabulary {
    // Tiers, bottom of the pyramid first.
    static let tierCount = 5
    static let all = 0, many = 1, some = 2, few = 3, one = 4
    static let canonicalTiers = ["one_to_all", "one_to_many", "one_to_some", "one_to_few", "one_to_one"]
    static let vendorTiers = ["1:All", "1:Many", "1:Some", "1:Few", "1:1"]

    // Event types.
    static let delivered = 0, open = 1, click = 2, conversion = 3, bounce = 4, unsubscribe = 5, holdout = 6
    static let canonicalEventTypes = ["delivered", "open", "click", "conversion", "bounce", "unsubscribe", "holdout"]
    static let vendorEventTypes = ["Delivered", "Open", "Click", "Conversion", "Bounce", "Unsubscribe", "Holdout"]

    // Jurisdictions.
    static let eu = 0, uk = 1, usCA = 2, usOther = 3, other = 4
    static let canonicalJurisdictions = ["EU", "UK", "US-CA", "US-other", "other"]
    static let vendorJurisdictions = ["EU", "UK", "US-CA", "US", "ROW"]
    /// EU ~50%, UK ~10%, US-CA ~15%, US-other ~15%, other ~10%.
    static let jurisdictionWeights = [0.50, 0.10, 0.15, 0.15, 0.10]
    /// Local offsets in November, used for the ~10% of timestamps written with an offset.
    static let jurisdictionOffsets: [[Int]] = [[60, 60, 120], [0], [-480], [-300, -360], [330, 540, -180]]

    // Purposes.
    static let personalization = 0, advertising = 1, analytics = 2, profiling = 3
    static let purposes = ["personalization", "advertising", "analytics", "profiling"]

    // Currencies.
    static let eur = 0, sek = 1, gbp = 2, usd = 3
    static let currencies = ["EUR", "SEK", "GBP", "USD"]

    static let channels = ["email", "push", "web", "sms"]
    static let email = 0, push = 1, web = 2, sms = 3

    static let consentStatuses = ["granted", "denied", "withdrawn"]
    static let consentSources = ["cmp-web", "cmp-app", "crm-import", "call-center"]

    /// Categories each tier may use, in the order a campaign adds them.
    static let allowedCategories: [[String]] = [
        [],
        ["location", "device", "demographics"],
        ["location", "device", "demographics", "browsing_behavior"],
        ["location", "device", "demographics", "browsing_behavior", "purchase_history", "inferred_interests"],
        ["location", "device", "demographics", "browsing_behavior", "purchase_history", "inferred_interests",
         "precise_location"],
    ]
    /// A category just above each tier's allowed set (a misconfigured audience).
    static let notAllowedCategory = ["device", "browsing_behavior", "purchase_history", "precise_location", "health"]
    /// Sensitive categories that turn up by mistake (precise_location only below 1:1).
    static let strayCategories = ["health", "religion", "precise_location"]

    /// Campaign names. The first ones exercise quoting, UTF-8 and formula neutralising, so even
    /// the smallest data set (six campaigns) has a comma, a quote, Swedish and Russian text.
    static let campaignNames = [
        "Black Friday, Early Access",
        "The \"Insider\" Preview",
        "Höstrea",
        "Осенняя распродажа",
        "Loyalty \"Gold\", VIP",
        "+50% Bonus Points",
        "Cart reminder",
        "Julkalender 2026",
        "Кибер понедельник",
        "Back in stock",
        "Welcome series",
        "Price drop alert",
        "@home Essentials",
        "Nyhetsbrev v.46",
        "Weekend Deals",
        "Product recommendations",
        "Birthday offer",
        "Win-back, 30 days",
        "Für dich ausgewählt",
        "Mid-Season Sale",
    ]

    /// `text` as one RFC 4180 field: quoted when it holds a comma, a quote or a line break.
    static func csvField(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return bytes }
        var quoted: [UInt8] = [0x22]
        for byte in bytes {
            if byte == 0x22 { quoted.append(0x22) }
            quoted.append(byte)
        }
        quoted.append(0x22)
        return quoted
    }

    static func bytes(_ texts: [String]) -> [[UInt8]] {
        texts.map { Array($0.utf8) }
    }
}
