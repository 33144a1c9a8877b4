/// One broken rule for one use.
package struct Violation: Sendable {
    package var rule: ConsentRule
    /// The consent state the rule looked at (nil for erasure and minimisation).
    package var state: ConsentState?
    /// The point that decided that state, for evidence.
    package var point: ConsentHistory.Point?
    // The categories involved are not kept here: ``PolicyEvaluator/involves(_:in:tier:)``
    // tells them from the use's. An array here made every copy of a violation retain it.
}

/// A use of personal data to check.
package struct Use {
    package var subject: Int32
    package var purpose: Int32
    package var tier: Tier
    package var jurisdiction: Int
    package var instant: Int64
    package var categories: UnsafeBufferPointer<Int32>
}

/// Applies a `ConsentPolicy` to uses, against a consent history and erasure requests.
///
/// Category and jurisdiction facts are precomputed into arrays indexed by id, so checking
/// a use is a few array reads and at most two consent lookups.
package final class PolicyEvaluator {
    package let policy: ConsentPolicy
    private let categories: ByteInterner
    private let purposes: ByteInterner
    private var sensitive: [Bool] = []
    /// Per sensitive category: the purpose id of its `sensitive:<category>` gate.
    private var gatePurpose: [Int32] = []
    private var allowedTiers: [UInt8] = []
    /// Per jurisdiction index: its regime and whether sensitive data needs consent there
    /// (copied out of the policy so the hot path reads plain values, not structs with strings).
    private let regimes: [ConsentRegime]
    private let sensitiveJurisdictions: [Bool]
    private let profilingPurpose: Int32
    private let profilingTiers: UInt8
    private let exemptTiers: UInt8
    package var history = ConsentHistory() { didSet { consent = history.lookup } }
    /// `history`'s tables, read per use without retaining them (see ``ConsentHistory/lookup``).
    private var consent: ConsentHistory.Lookup
    /// Earliest erasure request per subject.
    package var erasures = UInt64Map<Int64>(capacity: 64, empty: .max)
    /// Earliest fulfilment of an erasure per subject (DSR exports only).
    package var fulfilments = UInt64Map<Int64>(capacity: 64, empty: .max)
    /// One bit per subject with an erasure request: most uses are of subjects without one,
    /// and this small array answers that without probing the map.
    private var erasedSubjects: [UInt64] = []

    package init(policy: ConsentPolicy, categories: ByteInterner, purposes: ByteInterner) {
        self.policy = policy
        self.categories = categories
        self.purposes = purposes
        regimes = policy.jurisdictions.map(\.regime)
        sensitiveJurisdictions = policy.jurisdictions.map(\.sensitive)
        profilingPurpose = purposes.intern(policy.profilingPurpose)
        profilingTiers = policy.profilingTiers.reduce(0) { $0 | UInt8(1) << UInt8($1) }
        exemptTiers = policy.exemptTiers.reduce(0) { $0 | UInt8(1) << UInt8($1) }
        consent = history.lookup
        refreshCategories()
    }

    /// An evaluator for one part of the events, on its own thread: it shares the history,
    /// erasures and purposes of `template` (none of which change while parts run) and keeps
    /// its own categories, which the part interns as it meets them.
    package init(partOf template: PolicyEvaluator, categories: ByteInterner) {
        policy = template.policy
        self.categories = categories
        purposes = template.purposes
        regimes = template.regimes
        sensitiveJurisdictions = template.sensitiveJurisdictions
        profilingPurpose = template.profilingPurpose
        profilingTiers = template.profilingTiers
        exemptTiers = template.exemptTiers
        history = template.history
        consent = history.lookup
        erasures = template.erasures
        fulfilments = template.fulfilments
        erasedSubjects = template.erasedSubjects
        refreshCategories()
    }

    /// Extends the per-category facts to categories interned since the last call.
    @inline(__always)
    package func refreshCategories() {
        while sensitive.count < categories.count {
            let name = categories.string(Int32(sensitive.count))
            sensitive.append(policy.sensitiveCategories.contains(name))
            // Looked up, not interned: purposes are shared by parts running at once. A gate no
            // consent record names has no state to find, like any unknown purpose.
            gatePurpose.append(
                policy.sensitiveCategories.contains(name)
                    ? purposes.lookup(ConsentPolicy.sensitivePurposePrefix + name) ?? ConsentHistory.unknownPurpose : -1)
            var mask: UInt8 = 0
            for (tier, allowed) in policy.allowedCategories.enumerated() where allowed.contains(name) {
                mask |= UInt8(1) << UInt8(tier)
            }
            allowedTiers.append(mask)
        }
    }

    /// Records an erasure request (the earliest per subject counts), and its fulfilment.
    package func addErasure(subject: Int32, requestedAt: Int64, fulfilledAt: Int64? = nil) {
        let word = Int(subject) >> 6
        if word >= erasedSubjects.count { erasedSubjects += repeatElement(0, count: word + 1 - erasedSubjects.count) }
        erasedSubjects[word] |= 1 << UInt64(subject & 63)
        erasures.update(UInt64(UInt32(bitPattern: subject))) { $0 = min($0, requestedAt) }
        if let fulfilledAt {
            fulfilments.update(UInt64(UInt32(bitPattern: subject))) { $0 = min($0, fulfilledAt) }
        }
    }

    /// When `subject`'s erasure was first reported fulfilled, if ever.
    package func fulfilment(of subject: Int32) -> Int64? {
        fulfilments.get(UInt64(UInt32(bitPattern: subject)))
    }

    /// The earliest erasure request of `subject`, if any.
    package func erasure(of subject: Int32) -> Int64? {
        erasures.get(UInt64(UInt32(bitPattern: subject)))
    }

    /// Prefetches where `subject`'s consent points start; a batch does this for all its
    /// subjects before ``touch(subject:)``, which reads that start (to overlap the cache
    /// misses of a batch, two steps deep).
    @inline(__always)
    package func touchStart(subject: Int32) { consent.touchStart(subject: subject) }

    /// Prefetches the consent points a use of `subject` will look at, and nothing else.
    @inline(__always)
    package func touch(subject: Int32) { consent.touch(subject: subject) }

    /// Checks one use; appends its violations (in rule order) to `violations` and returns
    /// whether the use was under a consent requirement (a "checked" use).
    @inline(__always)
    package func check(_ use: Use, into violations: inout [Violation]) -> Bool {
        if sensitive.count < categories.count { refreshCategories() }
        let word = Int(use.subject) >> 6
        let mayBeErased = word < erasedSubjects.count && erasedSubjects[word] & (1 << UInt64(use.subject & 63)) != 0
        if mayBeErased, let erased = erasure(of: use.subject), erased <= use.instant {
            violations.append(Violation(rule: .afterErasure, state: nil, point: nil))
        }
        let regime = regimes[use.jurisdiction]
        let tierBit = UInt8(1) << UInt8(use.tier.rawValue)
        var checked = false
        var purposeState: (ConsentState, ConsentHistory.Point?)?
        func statePurpose() -> (ConsentState, ConsentHistory.Point?) {
            if let purposeState { return purposeState }
            let state = consent.state(subject: use.subject, purpose: use.purpose, at: use.instant)
            purposeState = state
            return state
        }
        if regime == .optIn && !(exemptTiers & tierBit != 0 && use.categories.isEmpty) {
            checked = true
            let (state, point) = statePurpose()
            let broken: ConsentRule? =
                switch state {
                case .none: .noConsent
                case .denied: .consentDenied
                case .withdrawn: .consentWithdrawn
                case .expired: .consentExpired
                case .granted: nil
                }
            if let broken { violations.append(Violation(rule: broken, state: state, point: point)) }
            if profilingTiers & tierBit != 0 && use.purpose != profilingPurpose {
                let (profiling, profilingPoint) = consent.state(subject: use.subject, purpose: profilingPurpose, at: use.instant)
                if profiling != .granted {
                    violations.append(
                        Violation(rule: .profilingWithoutConsent, state: profiling, point: profilingPoint))
                }
            }
        }
        if regime == .optOut {
            checked = true
            let (state, point) = statePurpose()
            if state == .denied || state == .withdrawn {
                violations.append(Violation(rule: .optedOut, state: state, point: point))
            }
        }
        if sensitiveJurisdictions[use.jurisdiction] && use.categories.contains(where: { sensitive[Int($0)] }) {
            checked = true
            // The use's purpose must be granted, and so must every category gate that was
            // recorded (a category without a gate record relies on the purpose alone).
            var (state, point) = statePurpose()
            if state == .granted {
                for category in use.categories where sensitive[Int(category)] {
                    let gate = consent.state(subject: use.subject, purpose: gatePurpose[Int(category)], at: use.instant)
                    if gate.0 != .none && gate.0 != .granted {
                        (state, point) = gate
                        break
                    }
                }
            }
            if state != .granted {
                violations.append(Violation(rule: .sensitiveWithoutConsent, state: state, point: point))
            }
        }
        if use.categories.contains(where: { allowedTiers[Int($0)] & tierBit == 0 }) {
            violations.append(Violation(rule: .categoryNotAllowed, state: nil, point: nil))
        }
        // Data in use again after its erasure was done: the list it came from was re-imported.
        if mayBeErased && fulfilments.count > 0, let fulfilled = fulfilment(of: use.subject), fulfilled <= use.instant {
            violations.append(Violation(rule: .resurrection, state: nil, point: nil))
        }
        return checked
    }

    /// Whether a violation of `rule` by a use in `tier` names `category`, one of the use's:
    /// for ``ConsentRule/sensitiveWithoutConsent`` its sensitive categories, for
    /// ``ConsentRule/categoryNotAllowed`` those the tier may not use, for other rules none
    /// (what ``check(_:into:)`` looked at).
    @inline(__always)
    package func involves(_ category: Int32, in rule: ConsentRule, tier: Tier) -> Bool {
        switch rule {
        case .sensitiveWithoutConsent: sensitive[Int(category)]
        case .categoryNotAllowed: allowedTiers[Int(category)] & UInt8(1) << UInt8(tier.rawValue) == 0
        default: false
        }
    }
}
