/// The five levels of the personalization pyramid, bottom to top.
package enum Tier: Int, CaseIterable, Sendable, Comparable, Codable {
    case oneToAll, oneToMany, oneToSome, oneToFew, oneToOne

    /// The canonical value in inputs and outputs (`one_to_many`).
    package var name: String {
        switch self {
        case .oneToAll: "one_to_all"
        case .oneToMany: "one_to_many"
        case .oneToSome: "one_to_some"
        case .oneToFew: "one_to_few"
        case .oneToOne: "one_to_one"
        }
    }

    /// The label readers know (`1:Many`).
    package var label: String {
        switch self {
        case .oneToAll: "1:All"
        case .oneToMany: "1:Many"
        case .oneToSome: "1:Some"
        case .oneToFew: "1:Few"
        case .oneToOne: "1:1"
        }
    }

    package init?(name: String) {
        guard let tier = Tier.allCases.first(where: { $0.name == name }) else { return nil }
        self = tier
    }

    package static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }
}

/// What happened in one row of a campaign export.
package enum EventType: Int, CaseIterable, Sendable {
    case delivered, open, click, conversion, bounce, unsubscribe, holdout

    package var name: String {
        switch self {
        case .delivered: "delivered"
        case .open: "open"
        case .click: "click"
        case .conversion: "conversion"
        case .bounce: "bounce"
        case .unsubscribe: "unsubscribe"
        case .holdout: "holdout"
        }
    }
}

/// A recorded consent decision.
package enum ConsentStatus: Int, CaseIterable, Sendable, BitwiseCopyable {
    case granted, denied, withdrawn

    package var name: String {
        switch self {
        case .granted: "granted"
        case .denied: "denied"
        case .withdrawn: "withdrawn"
        }
    }
}

/// How serious a violation is, in increasing order.
package enum Severity: Int, CaseIterable, Sendable, Comparable {
    case low, medium, high, critical

    package var name: String {
        switch self {
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        case .critical: "critical"
        }
    }

    package init?(name: String) {
        guard let value = Severity.allCases.first(where: { $0.name == name }) else { return nil }
        self = value
    }

    package static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
}

/// The inputs a job can name.
package enum InputKind: String, CaseIterable, Sendable {
    /// The order in which a run reads the inputs (the erasures and consents every use is
    /// checked against first), and so logs their rejected rows.
    static let readingOrder: [InputKind] = [.erasures, .consents, .events, .surveys]

    case events, consents, erasures, surveys

    /// The consents columns that carry encoded signals instead of `purpose`/`status`.
    package static let signalColumns = 7...10

    /// The canonical columns, in order, and whether each is required.
    package var columns: [(name: String, required: Bool)] {
        switch self {
        case .events:
            [
                ("event_id", true), ("occurred_at", true), ("subject_id", false), ("campaign_id", true),
                ("campaign_name", false), ("tier", true), ("channel", true), ("event_type", true),
                ("revenue", false), ("currency", false), ("data_categories", false), ("purpose", false),
                ("jurisdiction", true),
            ]
        case .consents:
            [
                // `purpose` and `status` are required unless the file carries a signal column
                // (checked in `ColumnBinding`); the signal columns come after the original
                // ones so canonical column indexes stay put.
                ("subject_id", true), ("purpose", false), ("status", false), ("recorded_at", true),
                ("source", false), ("jurisdiction", false), ("expires_at", false),
                ("tc_string", false), ("gpp_string", false), ("us_privacy", false), ("gpc", false),
            ]
        case .erasures:
            // Either the plain form (subject_id, requested_at) or a DSR export (request_id,
            // subject_id, type, status, received_at, fulfilled_at): `requested_at` is
            // required unless `received_at` is there (checked in `ColumnBinding`).
            [
                ("subject_id", true), ("requested_at", false), ("request_id", false), ("type", false),
                ("status", false), ("received_at", false), ("fulfilled_at", false),
            ]
        case .surveys:
            [
                ("response_id", true), ("submitted_at", true), ("subject_id", false), ("campaign_id", false),
                ("tier", true), ("csat", false), ("nps", false), ("felt_intrusive", false),
            ]
        }
    }
}
