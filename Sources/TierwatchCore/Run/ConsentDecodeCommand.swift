/// `tierwatch consent decode STRING`: prints a consent signal's fields, or why it is invalid.
///
/// JSON on a pipe (for scripts and evidence files), an aligned table on a terminal. An
/// invalid string exits 65 (bad data) with the rejection reason on stderr; a TC string
/// refused by the TCF policy (`policy_violation`) still prints its fields first.
package struct ConsentDecodeCommand {
    /// The signal formats `--type` accepts.
    package enum Format: String, CaseIterable, Sendable {
        case tcf, gpp, usp, gpc
    }

    package let context: RunContext

    package init(context: RunContext) { self.context = context }

    /// The format of `text` when `--type` is not given: GPP strings start with the header
    /// `DB` (Type 3, Version 1) or contain `~`; US Privacy strings are four characters
    /// starting with a digit; anything else is read as a TC string.
    package static func detect(_ text: String) -> Format {
        let value = text.trimmingSpaces
        if value.contains("~") || value.hasPrefix("DB") { return .gpp }
        if value.count == 4, value.first?.isNumber == true { return .usp }
        return .tcf
    }

    package static func document(_ text: String, format: Format) throws(SignalRejection) -> SignalDocument {
        switch format {
        case .tcf: return try TCString.decode(text).document
        case .gpp: return try GPPString.decode(text).document
        case .usp: return try USPrivacyString.decode(text).document
        case .gpc: return .object([("format", .text("gpc")), ("gpc", .bool(try GPCFlag.decode(text)))])
        }
    }

    package func execute(_ text: String, type: String?) throws(TierwatchError) -> Int32 {
        let format: Format
        if let type {
            guard let chosen = Format(rawValue: type) else {
                throw TierwatchError(.usage, "--type expects one of \(Format.allCases.map(\.rawValue).joined(separator: ", ")), found \(type)")
            }
            format = chosen
        } else {
            format = Self.detect(text)
        }
        let document: SignalDocument
        do {
            document = try Self.document(text, format: format)
        } catch {
            // A TC string refused by policy is still well formed: its fields are printed
            // as evidence of what the CMP sent, and the exit status says it is not valid.
            if error.reason == .policyViolation, format == .tcf, let fields = try? TCString.decodeFields(text) {
                show(fields.document)
            }
            throw TierwatchError(.badData, "not a valid \(format.rawValue) string: \(error)")
        }
        show(document)
        return 0
    }

    private func show(_ document: SignalDocument) {
        if context.interactive {
            context.output(Table.align(document.lines()))
        } else {
            context.output(document.json())
        }
    }
}
