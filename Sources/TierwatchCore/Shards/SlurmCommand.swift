import Foundation

/// `tierwatch slurm JOB [--period P] --shards N [--partition NAME] [--work DIR] [--dry-run]`:
/// a sharded run on an existing Slurm cluster. Writes an `sbatch --array=0-(N-1)` script
/// for the shards and a merge script, and submits the merge with
/// `--dependency=afterok:<array>`, so it starts only when every shard succeeded.
///
/// Every node runs the same `tierwatch` binary with the same job folder, state file and
/// work folder, which must be on a file system they share (Slurm clusters mount one).
package struct SlurmCommand {
    package let context: RunContext

    package init(context: RunContext) { self.context = context }

    package struct Request: Sendable, Equatable {
        package var shards: Int
        package var partition: String?
        package var work: String?
        package var dryRun: Bool
    }

    /// The two scripts for `job`'s `period`.
    package func scripts(_ job: JobDefinition, period: ReportPeriod, request: Request, binary: String) -> (shards: String, merge: String, work: String) {
        let work = absolute(request.work ?? FileTree.parent(of: context.statePath) + "/slurm/\(job.id)/\(period.label)")
        let common = ["--jobs", absolute(context.jobsDirectory), "--state", absolute(context.statePath)]
        func header(_ name: String, _ output: String, array: Bool) -> String {
            var lines = ["#!/bin/sh", "# Written by tierwatch slurm: \(job.id) \(period.label), \(request.shards) shards.", "#SBATCH --job-name=\(quoted(name))"]
            if array { lines.append("#SBATCH --array=0-\(request.shards - 1)") }
            lines.append("#SBATCH --output=\(output)")
            if let partition = request.partition { lines.append("#SBATCH --partition=\(partition)") }
            return lines.joined(separator: "\n") + "\n"
        }
        let name = "tierwatch-\(job.id)-\(period.label)"
        let shard = header(name, work + "/shard-%a.log", array: true) + """
            set -u
            folder=\(quoted(work))/shard-"$SLURM_ARRAY_TASK_ID"
            \(quoted(binary)) run \(quoted(job.id)) --period \(quoted(period.label)) --shard "$SLURM_ARRAY_TASK_ID/\(request.shards)" \\
              --partial "$folder" \(common.map(quoted).joined(separator: " ")) --quiet
            status=$?
            # A failed shard says so beside its folder: the merge names it.
            [ "$status" -eq 0 ] || echo "$status" > "$folder.failed"
            exit "$status"

            """
        let folders = (0..<request.shards).map { quoted(work + "/shard-\($0)") }.joined(separator: " ")
        let merge = header(name + "-merge", work + "/merge.log", array: false) + """
            exec \(quoted(binary)) merge \(quoted(job.id)) --period \(quoted(period.label)) \(folders) \\
              --reports \(quoted(absolute(context.reportsDirectory))) \(common.map(quoted).joined(separator: " "))

            """
        return (shard, merge, work)
    }

    /// Writes the scripts and submits them (or, with `--dry-run`, prints them).
    package func execute(_ job: JobDefinition, period: ReportPeriod, request: Request) throws(TierwatchError) -> Int32 {
        // The binary running now, by its real path: the nodes run the same one.
        let binary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? absolute(CommandLine.arguments[0])
        let (shards, merge, work) = scripts(job, period: period, request: request, binary: binary)
        if request.dryRun {
            context.output("# \(work)/shards.sbatch\n\(shards)\n# \(work)/merge.sbatch (sbatch --dependency=afterok:<array job>)\n\(merge)")
            return 0
        }
        try FileTree.makeDirectories(work)
        for index in 0..<request.shards {
            try FileTree.remove(work + "/shard-\(index)")
            try FileTree.remove(work + "/shard-\(index).failed")
        }
        try AtomicFile.write(shards, to: work + "/shards.sbatch")
        try AtomicFile.write(merge, to: work + "/merge.sbatch")
        let array = try sbatch(["--parsable", work + "/shards.sbatch"])
        let mergeID = try sbatch(["--parsable", "--dependency=afterok:\(array)", "--kill-on-invalid-dep=yes", work + "/merge.sbatch"])
        if !context.quiet {
            context.output("submitted \(job.id) \(period.label): shards as Slurm job \(array) (\(request.shards) tasks), merge as \(mergeID) after them; logs in \(work)")
        }
        return 0
    }

    /// Runs `sbatch` and returns the job id it printed (`--parsable`: `id` or `id;cluster`).
    private func sbatch(_ arguments: [String]) throws(TierwatchError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { throw TierwatchError(.unavailable, "cannot start sbatch: \(error)") }
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let reason = process.terminationStatus == 127 ? "sbatch is not installed (Slurm's client, Debian's slurm-client)" : errors.trimmingCharacters(in: .whitespacesAndNewlines)
            throw TierwatchError(.unavailable, "sbatch \(arguments.last ?? ""): \(reason)")
        }
        guard let id = output.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }), !id.isEmpty else {
            throw TierwatchError(.unavailable, "sbatch printed no job id: \(output)")
        }
        return id
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// `text` as one shell word.
    private func quoted(_ text: String) -> String {
        text.allSatisfy({ $0.isLetter || $0.isNumber || "-_./:=%+@".contains($0) }) && !text.isEmpty
            ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
