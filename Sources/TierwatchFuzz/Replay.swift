#if !FUZZING
// The normal build: a replay tool, so seeds and regression inputs run under `make test`
// through the same `FuzzTarget.run` the fuzzer calls, without sanitizers or libFuzzer.
internal import Foundation

/// `TierwatchFuzz <target> <file-or-directory>...`, or `TierwatchFuzz --all <root>...` to
/// replay `<root>/<target>/*` for every target. A crashing input crashes the process (so the
/// exit status is non-zero); the file being run is printed first so it can be named.
@main
struct Replay {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        guard let first = arguments.first else { usage() }
        arguments.removeFirst()
        var jobs: [(FuzzTarget, [String])] = []
        if first == "--all" {
            guard !arguments.isEmpty else { usage() }
            for target in FuzzTarget.all {
                jobs.append((target, arguments.map { $0 + "/" + target.name }))
            }
        } else if first == "--list" {
            print(FuzzTarget.all.map(\.name).joined(separator: "\n"))
            return
        } else if let target = FuzzTarget.named(first), !arguments.isEmpty {
            jobs.append((target, arguments))
        } else {
            usage()
        }
        for (target, paths) in jobs {
            let files = paths.flatMap(inputFiles)
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    fail("cannot read \(file)")
                }
                // Printed before running, and flushed: after a crash it names the input.
                FileHandle.standardError.write(Data("\(target.name): \(file)\n".utf8))
                data.withUnsafeBytes { target.run($0) }
            }
            print("\(target.name): \(files.count) input(s) replayed, no crash")
        }
    }

    /// The regular files at `path`: itself, or a directory's entries (a missing directory has none).
    private static func inputFiles(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }
    }

    private static func usage() -> Never {
        let names = FuzzTarget.all.map(\.name).joined(separator: " ")
        fail("usage: TierwatchFuzz <target> <file-or-dir>... | --all <root>... | --list\ntargets: \(names)")
    }

    private static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(2)
    }
}
#endif
