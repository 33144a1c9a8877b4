internal import TierwatchCore

/// One parser under fuzzing: a name (used on the command line, in `TIERWATCH_FUZZ_TARGET`
/// and as the directory name under `Tests/Fuzz/Seeds/` and `Tests/Fuzz/Regressions/`) and
/// the function that feeds it one input.
///
/// A target must not crash, hang or allocate without bound on any input; a rejected input
/// is a normal outcome and is ignored. Where a cheap invariant exists (two code paths that
/// must agree, a value that must round-trip) the target checks it with `precondition`, so a
/// wrong answer is found as well as a crash.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable (UnsafeRawBufferPointer) -> Void

    /// Every target, in the order `make fuzz` runs them.
    static let all: [FuzzTarget] = signalTargets + ingestTargets + jobTargets

    static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}

extension UnsafeRawBufferPointer {
    /// The input as the CSV reader hands a field to a decoder: invalid UTF-8 repaired.
    var text: String { String(decoding: self, as: UTF8.self) }
}
