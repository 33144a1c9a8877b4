/// The spelling of the events files of a synthetic data set.
package enum SyntheticDialect: String, Sendable {
    /// The README's canonical columns and values.
    case canonical
    /// A vendor export of the same events: `EventID,Timestamp,...`, `1:Many`, `Click`, `US`.
    case vendor
}

/// What synthetic data set to write; the same spec always gives byte-identical files.
package struct SyntheticDataSpec: Sendable {
    /// Approximate number of valid event rows (within ±5%).
    package var events: Int = 20_000
    package var seed: UInt64 = 42
    /// First UTC day of the window (`YYYY-MM-DD`).
    package var startDate: String = "2026-11-02"
    /// Number of UTC days, one events file each.
    package var days: Int = 21
    /// Number of subjects; default `max(50, events / 12)`.
    package var subjects: Int? = nil
    package var dialect: SyntheticDialect = .canonical
    /// Malformed event rows mixed into the events files, on top of `events`.
    package var invalidRows: Int = 0
    /// The share (0...1) of (subject, purpose) consent histories in EU, UK and US-CA that a
    /// misfiring consent banner broke: opt-in histories lose every record (uses then break
    /// `no_consent`), opt-out ones read as an opt-out (`opted_out`). The week a CMP breaks;
    /// drawn from a stream of its own, so at 0 the data set is the ordinary one, byte for byte.
    package var brokenConsent: Double = 0

    package init() {}
}

/// What `writeSyntheticDataSet` wrote.
package struct SyntheticDataSummary: Sendable {
    /// The events files, relative to the output directory (`events/events-YYYY-MM-DD.csv`),
    /// by day.
    package var eventFiles: [String]
    /// Valid event rows written (malformed rows not included).
    package var events: Int
    package var consents: Int
    package var erasures: Int
    package var surveys: Int
    /// Bytes of all files together.
    package var bytes: Int
    /// Malformed event rows written (equals the spec's `invalidRows`).
    package var invalidRows: Int = 0
    /// Bytes of the events files alone.
    package var eventBytes: Int = 0
    /// Number of subjects and campaigns the data set was drawn from.
    package var subjects: Int = 0
    package var campaigns: Int = 0
}
