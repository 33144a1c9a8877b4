// swift-tools-version:6.2
import PackageDescription

/// Strict settings for every Swift target, in one place (as swift-log does).
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "Tierwatch",
    products: [
        .executable(name: "tierwatch", targets: ["tierwatch"]),
    ],
    targets: [
        // System libraries: module.modulemap + shim.h only (CIntrinsics links nothing).
        .systemLibrary(name: "CSQLite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CIntrinsics"),

        // Thin owners of the C handles: the only modules importing the C targets.
        .target(name: "SQLite", dependencies: ["CSQLite3"], swiftSettings: strictSettings),
        .target(name: "HTTPTransport", dependencies: ["CCurl"], swiftSettings: strictSettings),
        .target(name: "Digests", dependencies: ["CCrypto"], swiftSettings: strictSettings),
        .target(name: "Gzip", dependencies: ["CZlib"], swiftSettings: strictSettings),

        // The domain. Imports no library's C module. CIntrinsics is one header with a compiler
        // builtin and SSE2 intrinsics Swift lacks: prefetch for the batch loops' cache misses
        // (Support/Prefetch.swift), byte masks for the CSV tokenizer (Ingest/CSVTokenizer.swift).
        .target(
            name: "TierwatchCore",
            dependencies: ["SQLite", "HTTPTransport", "Digests", "Gzip", "CIntrinsics"],
            // The per-row loop mutates stored properties of a few final classes millions of
            // times; dynamic exclusivity checks cost ~20% of a run (measured with perf, see
            // README "Performance"). Static checks stay on.
            swiftSettings: strictSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // argv -> invocation -> runner -> exit status.
        .executableTarget(name: "tierwatch", dependencies: ["TierwatchCore"], swiftSettings: strictSettings),
        // libFuzzer targets for the parsers (Tests/Fuzz/fuzz.sh builds it with -DFUZZING and the
        // fuzzer sanitizer); the normal build is a replay tool for the seeds and regressions.
        .executableTarget(name: "TierwatchFuzz", dependencies: ["TierwatchCore"], swiftSettings: strictSettings),

        .testTarget(name: "SQLiteTests", dependencies: ["SQLite"], swiftSettings: strictSettings),
        .testTarget(name: "DigestsTests", dependencies: ["Digests"], swiftSettings: strictSettings),
        .testTarget(name: "GzipTests", dependencies: ["Gzip"], swiftSettings: strictSettings),
        .testTarget(name: "HTTPTransportTests", dependencies: ["HTTPTransport"], swiftSettings: strictSettings),
        .testTarget(name: "TierwatchCoreTests", dependencies: ["TierwatchCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "TierwatchCLITests", dependencies: ["tierwatch"], exclude: ["Fixtures"], swiftSettings: strictSettings),
    ]
)
