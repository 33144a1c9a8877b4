#if FUZZING
// Built only by `make fuzz` (Tests/Fuzz/fuzz.sh): libFuzzer supplies `main` and calls these.
// One binary serves every target, chosen by TIERWATCH_FUZZ_TARGET, because libFuzzer owns
// the command line and one sanitizer build of TierwatchCore is far cheaper than one per target.
#if canImport(Glibc)
internal import Glibc
#endif

/// The target named by `TIERWATCH_FUZZ_TARGET`, read once.
private let selected: FuzzTarget = {
    let name = getenv("TIERWATCH_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget.named(name) else {
        let names = FuzzTarget.all.map(\.name).joined(separator: " ")
        let message = Array("TIERWATCH_FUZZ_TARGET is '\(name)'; set it to one of: \(names)\n".utf8)
        // write(2) rather than fputs(stderr): Glibc's `stderr` is a mutable global, which
        // Swift 6 strict concurrency rejects.
        _ = message.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(2)
    }
    return target
}()

/// Checks the target name before libFuzzer starts, so a typo fails at once.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    _ = selected
    return 0
}

/// One input. Returns 0 always: a crash is the only finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif
