import Testing

@testable import TierwatchCore

@Suite("Small-cell suppression")
struct SuppressionTests {
    @Test("counts from 1 to k−1 are hidden, zero and k are shown")
    func primary() {
        #expect(Suppression.protect([0, 4, 5, 100, 109], k: 5) == [false, true, true, false, false])
    }

    @Test("a lone hidden part gets a partner: the smallest other non-zero part")
    func complementaryPartner() {
        // Without the partner, 3 = 40 − (0 + 12 + 25) would be recovered from the total.
        let hidden = Suppression.protect([0, 3, 12, 25, 40], k: 5)
        #expect(hidden == [false, true, true, false, false])
    }

    @Test("a lone hidden part with no other part to hide hides the total instead")
    func complementaryTotal() {
        #expect(Suppression.protect([0, 3, 0, 0, 3], k: 5) == [false, true, false, false, true])
    }

    @Test("two hidden parts already protect each other")
    func twoHidden() {
        #expect(Suppression.protect([2, 3, 50, 0, 55], k: 5) == [true, true, false, false, false])
    }

    @Test("k = 0 and k = 1 hide nothing")
    func disabled() {
        #expect(Suppression.protect([1, 2, 3], k: 0) == [false, false, false])
        #expect(Suppression.protect([1, 2, 3], k: 1) == [false, false, false])
    }

    @Test("cells hidden because their row is hidden count as hidden parts")
    func rowHidden() {
        #expect(Suppression.protect([30, 2, 40, 72], k: 5, hidden: [true, false, false, false]) == [true, true, false, false])
    }

    @Test(
        "no single hidden cell is ever left among the parts while the total shows",
        arguments: [
            [1, 2, 3, 4, 10], [7, 1, 9, 0, 17], [0, 0, 0, 4, 4], [6, 7, 8, 1, 22], [4, 100, 100, 100, 304], [1, 1, 1, 1, 4],
        ] as [[Int64]])
    func neverOneHidden(values: [Int64]) {
        let hidden = Suppression.protect(values, k: 5)
        let hiddenParts = hidden.dropLast().filter { $0 }.count
        #expect(hiddenParts != 1 || hidden.last!, "\(values) → \(hidden)")
        for (value, isHidden) in zip(values, hidden) where value > 0 && value < 5 { #expect(isHidden) }
    }
}
