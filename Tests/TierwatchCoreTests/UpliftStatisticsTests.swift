import Foundation
import Testing

@testable import TierwatchCore

/// Runs the SciPy oracle (Tests/Support/uplift_oracle.py) on `input` and decodes its answer.
private func scipyOracle(_ input: [String: Any]) throws -> [String: [[Double]]] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", root.path + "/Tests/Support/uplift_oracle.py"]
    let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    stdin.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: input))
    try stdin.fileHandleForWriting.close()
    let data = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "scipy oracle: \(String(decoding: errors, as: UTF8.self)) (make test installs scipy)")
    return try JSONDecoder().decode([String: [[Double]]].self, from: data)
}

private func close(_ a: Double, _ b: Double, relative: Double = 1e-9) -> Bool {
    abs(a - b) <= relative * max(abs(a), abs(b), 1e-300) || abs(a - b) < 1e-15
}

@Suite("Uplift statistics")
struct UpliftStatisticsTests {
    @Test("lift and its interval match a hand-computed example: 100/1000 vs 50/1000 is +100% (+44.08% to +177.63%)")
    func handComputed() throws {
        // RR = 0.1 / 0.05 = 2; SE(ln RR) = sqrt(1/100 − 1/1000 + 1/50 − 1/1000) = sqrt(0.028) = 0.1673320;
        // 2·exp(±1.959964 · 0.1673320) = 2·exp(±0.3279647) = 1.440777 … 2.776280.
        let estimate = try #require(UpliftStatistics.lift(UpliftCounts(treated: 1000, treatedConverters: 100, control: 1000, controlConverters: 50)))
        #expect(close(estimate.lift, 1.0))
        #expect(abs(estimate.lower - 0.440777) < 1e-6)
        #expect(abs(estimate.upper - 1.776280) < 1e-6)
        // z = ln 2 / 0.1673320 = 4.142347; two-sided p = 2·(1 − Φ(4.142347)) = 3.4377e-5.
        #expect(abs(estimate.pValue - 3.4377e-5) < 1e-9)
    }

    @Test("an empty group or a group without converters has no lift, never NaN")
    func undefined() {
        #expect(UpliftStatistics.lift(UpliftCounts(treated: 100, treatedConverters: 5, control: 0, controlConverters: 0)) == nil)
        #expect(UpliftStatistics.lift(UpliftCounts(treated: 100, treatedConverters: 5, control: 100, controlConverters: 0)) == nil)
        #expect(UpliftStatistics.lift(UpliftCounts(treated: 100, treatedConverters: 0, control: 100, controlConverters: 4)) == nil)
    }

    static let liftCases: [[Int64]] = [
        [100, 1000, 50, 1000], [68, 1280, 8, 228], [85, 1182, 13, 179], [12, 90, 11, 110], [5000, 90000, 400, 10000],
        [3, 7, 1, 9], [250, 2500, 30, 300], [1, 1_000_000, 2, 1_000_000],
    ]
    static let srmCases: [[Double]] = [
        [900, 100, 0.1], [880, 120, 0.1], [8000, 1200, 0.1], [50, 50, 0.5], [10_000, 1_000, 0.1], [1, 0, 0.2], [45_000, 5_300, 0.1],
    ]
    static let bhCases: [[Double]] = [
        [0.01, 0.04, 0.03, 0.005, 0.5], [0.2], [0.001, 0.001, 0.9], [0.04, 0.03, 0.02, 0.01], [1e-12, 0.7, 0.049, 0.051, 0.3],
    ]

    @Test("lift, interval and p-value, the sample-ratio test and Benjamini–Hochberg agree with SciPy")
    func agreesWithSciPy() throws {
        let oracle = try scipyOracle(["lift": Self.liftCases, "srm": Self.srmCases, "bh": Self.bhCases])
        for (index, c) in Self.liftCases.enumerated() {
            let estimate = try #require(UpliftStatistics.lift(UpliftCounts(treated: c[1], treatedConverters: c[0], control: c[3], controlConverters: c[2])))
            let expected = oracle["lift"]![index]
            #expect(close(estimate.lift, expected[0]), "lift \(c)")
            #expect(close(estimate.lower, expected[1]), "lower \(c): \(estimate.lower) vs \(expected[1])")
            #expect(close(estimate.upper, expected[2]), "upper \(c): \(estimate.upper) vs \(expected[2])")
            #expect(close(estimate.pValue, expected[3], relative: 1e-7), "p \(c): \(estimate.pValue) vs \(expected[3])")
        }
        for (index, c) in Self.srmCases.enumerated() {
            let check = try #require(UpliftStatistics.sampleRatio(treated: Int64(c[0]), control: Int64(c[1]), expectedControlShare: c[2]))
            let expected = oracle["srm"]![index]
            #expect(close(check.chiSquare, expected[0]), "chi-square \(c)")
            #expect(close(check.pValue, expected[1], relative: 1e-7), "p \(c): \(check.pValue) vs \(expected[1])")
        }
        for (index, ps) in Self.bhCases.enumerated() {
            let q = UpliftStatistics.benjaminiHochberg(ps)
            for (mine, theirs) in zip(q, oracle["bh"]![index]) { #expect(close(mine, theirs), "BH \(ps): \(q)") }
        }
    }

    @Test("a 12% holdout planned as 10% over 10,000 subjects is flagged as a sample-ratio mismatch; 10.1% is not")
    func sampleRatioFlag() throws {
        // 1200 vs expected 1000: chi-square = 200²/1000 + 200²/9000 = 44.44, p ≈ 2.6e-11.
        let skewed = try #require(UpliftStatistics.sampleRatio(treated: 8800, control: 1200, expectedControlShare: 0.1))
        #expect(abs(skewed.chiSquare - 44.444444) < 1e-5)
        #expect(skewed.mismatch)
        let fine = try #require(UpliftStatistics.sampleRatio(treated: 8990, control: 1010, expectedControlShare: 0.1))
        #expect(!fine.mismatch)
    }

    @Test("the chi-square survival function for one degree of freedom hits its textbook critical values")
    func criticalValues() {
        // Critical values of chi-square(1): 3.841459 at 0.05, 6.634897 at 0.01, 10.827566 at 0.001.
        #expect(abs(UpliftStatistics.chiSquareSurvival1(3.841459) - 0.05) < 1e-7)
        #expect(abs(UpliftStatistics.chiSquareSurvival1(6.634897) - 0.01) < 1e-7)
        #expect(abs(UpliftStatistics.chiSquareSurvival1(10.827566) - 0.001) < 1e-8)
        #expect(UpliftStatistics.chiSquareSurvival1(0) == 1)
    }

    @Test("statistics print locale-free with a point and no separators, rounded half away from zero")
    func formatting() {
        #expect(Decimals.fixed(1234567.125, scale: 2) == "1234567.13")
        #expect(Decimals.fixed(-0.0049, scale: 2) == "0.00" || Decimals.fixed(-0.0049, scale: 2) == "-0.00")
        #expect(Decimals.signedPercent(0.381) == "+38.1%")
        #expect(Decimals.signedPercent(-0.25) == "-25.0%")
        #expect(Decimals.pValue(1e-12) == "<0.000001")
        #expect(Decimals.fixed(.nan, scale: 2) == "")
    }
}
