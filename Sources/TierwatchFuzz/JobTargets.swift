internal import TierwatchCore

extension FuzzTarget {
    /// The job-definition reader: JSON syntax, then every field check of a job file.
    static let jobTargets: [FuzzTarget] = [
        FuzzTarget(name: "job") { bytes in
            _ = try? JobDefinition.read(id: "fuzz", file: "fuzz.json", data: Array(bytes), hash: "0")
        },
    ]
}
