internal import TierwatchCore

extension FuzzTarget {
    /// The four consent-signal decoders. A decoded signal is also rendered both ways
    /// `consent decode` prints it (JSON and the terminal table), which walks every decoded field.
    static let signalTargets: [FuzzTarget] = [
        FuzzTarget(name: "tcstring") { bytes in
            // `consent decode` shows the fields of a string refused by policy, so the fields
            // decoder and the policy check are reached on their own, not only through `decode`.
            guard let fields = try? TCString.decodeFields(bytes.text) else {
                precondition((try? TCString.decode(bytes.text)) == nil, "decode accepts what decodeFields rejects")
                return
            }
            render(fields.document)
            let accepted = try? TCString.decode(bytes.text)
            precondition((accepted != nil) == fields.policyViolations.isEmpty, "decode disagrees with policyViolations")
            precondition(accepted == nil || accepted == fields, "decode and decodeFields read different fields")
        },
        FuzzTarget(name: "gppstring") { bytes in
            if let value = try? GPPString.decode(bytes.text) { render(value.document) }
        },
        FuzzTarget(name: "usprivacy") { bytes in
            if let value = try? USPrivacyString.decode(bytes.text) { render(value.document) }
        },
        FuzzTarget(name: "gpc") { bytes in
            _ = try? GPCFlag.decode(bytes.text)
        },
    ]

    private static func render(_ document: SignalDocument) {
        _ = document.json()
        _ = document.lines()
    }
}
