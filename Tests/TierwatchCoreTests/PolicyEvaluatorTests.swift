import Testing

@testable import TierwatchCore

/// A small world to check rules in: subject 0, purposes by name, instants in seconds.
struct PolicyFixture {
    let purposes = ByteInterner()
    let categories = ByteInterner()
    let evaluator: PolicyEvaluator
    var builder = ConsentHistory.Builder()

    init(policy: ConsentPolicy = .standard) {
        evaluator = PolicyEvaluator(policy: policy, categories: categories, purposes: purposes)
    }

    mutating func consent(_ purpose: String, _ status: ConsentStatus, at seconds: Int64, expires: Int64? = nil) {
        builder.add(
            subject: 0, purpose: purposes.intern(purpose), recordedAt: seconds * 1000, status: status,
            expiresAt: expires.map { $0 * 1000 }, source: 0)
    }

    func check(
        _ purpose: String, tier: Tier, jurisdiction: String, at seconds: Int64, categories names: [String] = [],
        erasureAt: Int64? = nil
    ) -> (rules: [String], checked: Bool) {
        var builder = builder
        evaluator.history = builder.build()
        if let erasureAt { evaluator.addErasure(subject: 0, requestedAt: erasureAt * 1000) }
        let ids = names.map { categories.intern($0) }
        let index = evaluator.policy.jurisdictions.firstIndex { $0.code == jurisdiction }!
        var violations: [Violation] = []
        let checked = ids.withUnsafeBufferPointer {
            evaluator.check(
                Use(subject: 0, purpose: purposes.intern(purpose), tier: tier, jurisdiction: index, instant: seconds * 1000, categories: $0),
                into: &violations)
        }
        return (violations.map(\.rule.name), checked)
    }
}

@Suite("Consent state at an instant")
struct ConsentHistoryTests {
    func state(_ build: (inout PolicyFixture) -> Void, at seconds: Int64, ms: Int64 = 0) -> ConsentState {
        var fixture = PolicyFixture()
        build(&fixture)
        let history = fixture.builder.build()
        return history.state(subject: 0, purpose: fixture.purposes.intern("ads"), at: seconds * 1000 + ms).0
    }

    @Test("a record made exactly at the use counts; one made a millisecond later does not")
    func boundaries() {
        #expect(state({ $0.consent("ads", .granted, at: 100) }, at: 100) == .granted)
        #expect(state({ $0.consent("ads", .granted, at: 100) }, at: 99, ms: 999) == .none)
    }

    @Test("the latest record decides, and a new grant after a withdrawal restores consent")
    func latestWins() {
        let history: (inout PolicyFixture) -> Void = {
            $0.consent("ads", .granted, at: 10)
            $0.consent("ads", .withdrawn, at: 20)
            $0.consent("ads", .granted, at: 30)
        }
        #expect(state(history, at: 15) == .granted)
        #expect(state(history, at: 25) == .withdrawn)
        #expect(state(history, at: 30) == .granted)
    }

    @Test("records at the same instant: the least permissive wins", arguments: [
        ([ConsentStatus.granted, .denied], ConsentState.denied),
        ([.denied, .granted], .denied),
        ([.granted, .withdrawn], .withdrawn),
        ([.withdrawn, .denied], .withdrawn),
        ([.denied, .withdrawn], .withdrawn),
        ([.granted, .granted], .granted),
    ])
    func ties(_ statuses: [ConsentStatus], _ expected: ConsentState) {
        #expect(state({ f in for s in statuses { f.consent("ads", s, at: 50) } }, at: 60) == expected)
    }

    @Test("a grant expires at its expires_at, and a tie with an expired grant is expired")
    func expiry() {
        #expect(state({ $0.consent("ads", .granted, at: 10, expires: 60) }, at: 59) == .granted)
        #expect(state({ $0.consent("ads", .granted, at: 10, expires: 60) }, at: 60) == .expired)
        #expect(state({ $0.consent("ads", .granted, at: 10); $0.consent("ads", .granted, at: 10, expires: 40) }, at: 50) == .expired)
    }

    @Test("records of another purpose do not count")
    func otherPurpose() {
        #expect(state({ $0.consent("email", .granted, at: 10) }, at: 50) == .none)
    }
}

@Suite("Default policy rules")
struct PolicyEvaluatorTests {
    @Test("opt-in jurisdictions need consent for the purpose", arguments: [
        (nil as ConsentStatus?, "EU", ["no_consent"]), (.denied, "EU", ["consent_denied"]),
        (.withdrawn, "UK", ["consent_withdrawn"]), (.granted, "EU", []),
        (nil, "US-CA", []), (.denied, "US-CA", ["opted_out"]), (.withdrawn, "US-CA", ["opted_out"]), (.granted, "US-CA", []),
        (.denied, "US-other", []), (nil, "other", []),
    ])
    func regimes(_ status: ConsentStatus?, _ jurisdiction: String, _ expected: [String]) {
        var fixture = PolicyFixture()
        if let status { fixture.consent("personalization", status, at: 10) }
        #expect(fixture.check("personalization", tier: .oneToMany, jurisdiction: jurisdiction, at: 20, categories: ["device"]).rules == expected)
    }

    @Test("an expired grant is consent_expired")
    func expired() {
        var fixture = PolicyFixture()
        fixture.consent("personalization", .granted, at: 10, expires: 15)
        #expect(fixture.check("personalization", tier: .oneToMany, jurisdiction: "EU", at: 20).rules == ["consent_expired"])
    }

    @Test("1:All without data categories is exempt from opt-in, with categories it is not")
    func oneToAllExemption() {
        let fixture = PolicyFixture()
        let exempt = fixture.check("personalization", tier: .oneToAll, jurisdiction: "EU", at: 20)
        #expect(exempt.rules == [])
        #expect(exempt.checked == false)
        #expect(
            fixture.check("personalization", tier: .oneToAll, jurisdiction: "EU", at: 20, categories: ["location"]).rules
                == ["no_consent", "category_not_allowed"])
    }

    @Test("1:Few and 1:1 also need profiling consent (GDPR Art. 22)")
    func profiling() {
        var fixture = PolicyFixture()
        fixture.consent("personalization", .granted, at: 10)
        #expect(fixture.check("personalization", tier: .oneToFew, jurisdiction: "EU", at: 20).rules == ["profiling_without_consent"])
        #expect(fixture.check("personalization", tier: .oneToSome, jurisdiction: "EU", at: 20).rules == [])
        #expect(fixture.check("profiling", tier: .oneToOne, jurisdiction: "EU", at: 20).rules == ["no_consent"])
        fixture.consent("profiling", .granted, at: 11)
        #expect(fixture.check("personalization", tier: .oneToOne, jurisdiction: "EU", at: 20).rules == [])
        #expect(fixture.check("personalization", tier: .oneToFew, jurisdiction: "US-CA", at: 20).rules == [])
    }

    @Test("sensitive categories need consent in EU, UK and US-CA only")
    func sensitive() {
        let fixture = PolicyFixture()
        #expect(
            fixture.check("personalization", tier: .oneToOne, jurisdiction: "US-CA", at: 20, categories: ["precise_location"]).rules
                == ["sensitive_without_consent"])
        #expect(fixture.check("personalization", tier: .oneToOne, jurisdiction: "US-other", at: 20, categories: ["precise_location"]).rules == [])
        #expect(
            fixture.check("personalization", tier: .oneToMany, jurisdiction: "US-other", at: 20, categories: ["health"]).rules
                == ["category_not_allowed"])
    }

    @Test("uses after an erasure request break after_erasure in every jurisdiction")
    func erasure() {
        let fixture = PolicyFixture()
        #expect(fixture.check("personalization", tier: .oneToAll, jurisdiction: "other", at: 20, erasureAt: 20).rules == ["after_erasure"])
        #expect(fixture.check("personalization", tier: .oneToAll, jurisdiction: "other", at: 19, erasureAt: 20).rules == [])
    }

    @Test("one event can break several rules, reported in rule order")
    func several() {
        let fixture = PolicyFixture()
        #expect(
            fixture.check("personalization", tier: .oneToFew, jurisdiction: "EU", at: 30, categories: ["health", "device"], erasureAt: 10).rules
                == ["after_erasure", "no_consent", "profiling_without_consent", "sensitive_without_consent", "category_not_allowed"])
    }

    @Test("a job's policy overrides regimes, sensitive lists and allowed sets")
    func overrides() {
        var policy = ConsentPolicy.standard
        policy.jurisdictions.append(JurisdictionRule(code: "BR", regime: .optIn, sensitive: true))
        policy.sensitiveCategories = ["device"]
        policy.allowedCategories[Tier.oneToMany.rawValue] = ["device", "health"]
        let fixture = PolicyFixture(policy: policy)
        #expect(fixture.check("personalization", tier: .oneToMany, jurisdiction: "BR", at: 20, categories: ["health"]).rules == ["no_consent"])
        #expect(
            fixture.check("personalization", tier: .oneToMany, jurisdiction: "US-CA", at: 20, categories: ["device"]).rules
                == ["sensitive_without_consent"])
    }
}
