import Foundation
import Testing

/// Whether a single-node Slurm cluster can be started here (`make test-deps` installs
/// Debian's slurm-wlm and munge; the daemons need root).
private let slurmAvailable: Bool = {
    let tools = ["/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/bin/sbatch"]
    return tools.allSatisfy(FileManager.default.isExecutableFile(atPath:)) && getuid() == 0
}()

/// A running single-node cluster (Tests/Support/slurm_cluster.sh), stopped on deinit.
private final class SlurmCluster {
    let folder: String
    let environment: [String: String]

    init() throws {
        folder = NSTemporaryDirectory() + "tierwatch-slurm-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let started = try runProcess("/bin/sh", [packageRoot + "/Tests/Support/slurm_cluster.sh", "start", folder], timeout: 60)
        #expect(started.status == 0, "\(started.stdout)\(started.stderr)")
        environment = ["SLURM_CONF": folder + "/slurm.conf"]
    }

    /// Waits until the queue is empty (every job finished or was cancelled).
    func waitForEmptyQueue(timeout: TimeInterval = 180) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let queue = try runProcess("/usr/bin/squeue", ["-h"], environment: environment)
            if queue.status == 0 && queue.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return }
            usleep(300_000)
        }
        Issue.record("the Slurm queue did not empty in \(Int(timeout)) s")
    }

    deinit {
        _ = try? runProcess("/bin/sh", [packageRoot + "/Tests/Support/slurm_cluster.sh", "stop", folder])
        try? FileManager.default.removeItem(atPath: folder)
    }
}

@Suite(
    "Sharded runs on a real single-node Slurm cluster", .serialized,
    .enabled(if: slurmAvailable, "needs Debian's slurm-wlm and munge and root (make test-deps installs the packages)"))
struct SlurmTests {
    @Test("tierwatch slurm submits an array of shards and a merge after them: the single run's CSVs, one run in the history")
    func shardsAndMerge() throws {
        let cluster = try SlurmCluster()
        let w = try Workspace.generatedWeek(events: 20_000)
        let key = ["TIERWATCH_PSEUDONYM_KEY": "slurm-test-key"]
        let single = try runProcess(
            tierwatchBinary,
            ["run", "big", "--period", "2026-W47", "--jobs", w.jobs, "--reports", w.root + "/single", "--state", w.root + "/single.sqlite3"],
            environment: key)
        #expect(single.status == 1, "\(single.stderr)")
        let work = w.root + "/slurm-work"
        let dry = try w.tierwatch(["slurm", "big", "--period", "2026-W47", "--shards", "3", "--work", work, "--dry-run"], environment: key)
        #expect(dry.status == 0 && dry.stdout.contains("#SBATCH --array=0-2") && dry.stdout.contains("--shard \"$SLURM_ARRAY_TASK_ID/3\""), "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: work), "a dry run writes nothing")
        let submitted = try w.tierwatch(
            ["slurm", "big", "--period", "2026-W47", "--shards", "3", "--work", work], environment: key.merging(cluster.environment) { $1 })
        #expect(submitted.status == 0, "\(submitted.stderr)")
        #expect(submitted.stdout.contains("(3 tasks), merge as"), "\(submitted.stdout)")
        try cluster.waitForEmptyQueue()
        for index in 0..<3 { #expect(FileManager.default.fileExists(atPath: work + "/shard-\(index)/partial.json"), "shard \(index) ran") }
        for name in ["metrics_by_tier.csv", "metrics_by_campaign.csv", "surveys_by_tier.csv", "privacy_by_tier.csv",
                     "privacy_by_jurisdiction.csv", "uplift.csv", "violations.csv", "rejected.csv"] {
            let expected = w.data("single/big/2026-W47/" + name), actual = w.data("Reports/big/2026-W47/" + name)
            #expect(expected != nil && actual == expected, "\(name): the merged run's differs from the single run's")
        }
        let html = try w.read("Reports/big/2026-W47/executive.html")
        #expect(html.contains("merged from 3 shards"))
        let history = try w.tierwatch(["history", "--format", "json"])
        #expect(history.stdout.components(separatedBy: "\"trigger\":\"merge\"").count == 2, "\(history.stdout)")
    }

    @Test("when shards fail, Slurm never starts the merge; each failed shard leaves its exit status, and merge names it")
    func failedShards() throws {
        let cluster = try SlurmCluster()
        let w = try Workspace.generatedWeek(events: 2_000)
        // Every shard fails the same way: the events input is gone.
        try FileManager.default.removeItem(atPath: w.jobs + "/data/events")
        let work = w.root + "/slurm-work"
        let submitted = try w.tierwatch(["slurm", "big", "--period", "2026-W47", "--shards", "2", "--work", work], environment: cluster.environment)
        #expect(submitted.status == 0, "\(submitted.stderr)")
        try cluster.waitForEmptyQueue()
        for index in 0..<2 {
            #expect((try? w.read("slurm-work/shard-\(index).failed"))?.trimmingCharacters(in: .whitespacesAndNewlines) == "66")
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/merge.log"), "the merge never ran")
        #expect(!FileManager.default.fileExists(atPath: w.reports + "/big/2026-W47"))
        let merge = try w.tierwatch(["merge", "big", "--period", "2026-W47", work + "/shard-0", work + "/shard-1"])
        #expect(merge.status == 66 && merge.stderr.contains("shard-0: this shard failed (exit 66)"), "\(merge.stderr)")
    }
}
