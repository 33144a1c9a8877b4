/// Satisfaction-survey sums of one tier (or all tiers).
package struct SurveyTotals: Sendable, Codable {
    package var responses: Int64 = 0
    package var csatResponses: Int64 = 0
    package var csatSum: Int64 = 0
    /// Responses with csat 4 or 5.
    package var csatSatisfied: Int64 = 0
    package var npsResponses: Int64 = 0
    package var promoters: Int64 = 0
    package var detractors: Int64 = 0
    package var intrusiveResponses: Int64 = 0
    package var intrusiveYes: Int64 = 0

    package init() {}

    /// Adds one response; nil means the question was not answered.
    package mutating func add(csat: Int?, nps: Int?, feltIntrusive: Bool?) {
        responses += 1
        if let csat {
            csatResponses += 1
            csatSum += Int64(csat)
            if csat >= 4 { csatSatisfied += 1 }
        }
        if let nps {
            npsResponses += 1
            if nps >= 9 { promoters += 1 } else if nps <= 6 { detractors += 1 }
        }
        if let feltIntrusive {
            intrusiveResponses += 1
            if feltIntrusive { intrusiveYes += 1 }
        }
    }
}
