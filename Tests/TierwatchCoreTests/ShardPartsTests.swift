import Foundation
import Testing

@testable import TierwatchCore

@Suite("Inputs split in parts per shard: finding a file's shard, packing a partial's tables")
struct ShardPartsTests {
    @Test("{shard} stands for one whole run of digits, in a folder or inside a name")
    func shardOfPath() throws {
        let folders = try #require(ShardParts("/data/parts/{shard}/events/*.csv"))
        #expect(folders.glob == "/data/parts/*/events/*.csv")
        #expect(folders.shard(of: "/data/parts/0/events/0003-events-2026-11-19.csv") == 0)
        #expect(folders.shard(of: "/data/parts/12/events/0000-events.csv") == 12)
        #expect(folders.shard(of: "/data/parts/x/events/a.csv") == nil, "no digits where the placeholder is")

        let names = try #require(ShardParts("/in/events-{shard}-*.csv"))
        #expect(names.shard(of: "/in/events-3-2026-11-16.csv") == 3)
        #expect(names.shard(of: "/in/events-07-2026.csv") == 7)
        // A placeholder followed by a wildcard that digits could also fill: the whole run is the shard.
        let greedy = try #require(ShardParts("/in/part-{shard}*.csv"))
        #expect(greedy.shard(of: "/in/part-12.csv") == 12)
        // Two runs of digits that could each be the placeholder: which shard is unknowable.
        let ambiguous = try #require(ShardParts("/in/*-{shard}-*.csv"))
        #expect(ambiguous.shard(of: "/in/a-1-2-x.csv") == nil)
        #expect(ShardParts("/in/events-*.csv") == nil, "no placeholder, no parts")
    }

    @Test("a job path with {shard} resolves every part with its shard number, in byte order")
    func resolvesParts() throws {
        let folder = NSTemporaryDirectory() + "tierwatch-parts-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (shard, name) in [(0, "a.csv"), (1, "a.csv"), (10, "a.csv"), (2, "b.csv"), (2, ".b.csv.tmp-1")] {
            try FileManager.default.createDirectory(atPath: folder + "/\(shard)", withIntermediateDirectories: true)
            try Data("subject_id\n".utf8).write(to: URL(fileURLWithPath: folder + "/\(shard)/" + name))
        }
        let spec = InputSpec(paths: ["{shard}/*"], columns: [:], constants: [:], values: [:], maxRejectRate: 0, optional: false)
        let files = try InputResolver.resolve(spec, kind: .events, jobDirectory: folder)
        #expect(files.map(\.display) == ["0/a.csv", "1/a.csv", "10/a.csv", "2/b.csv"], "a part being written (hidden) is not listed")
        #expect(files.map(\.shard) == [0, 1, 10, 2])
        #expect(files.map(\.order) == [0, 1, 2, 3])
        let own = try ShardRunner.ownFiles([.events: files], index: 2, count: 11)
        #expect(own[.events]?.map(\.display) == ["2/b.csv"])
        #expect(throws: TierwatchError.self, "a part of shard 10 when there are 4 shards") {
            try ShardRunner.ownFiles([.events: files], index: 0, count: 4)
        }
    }

    @Test("packed integers read back exactly, rows and signs included")
    func packed() {
        let rows: [[Int64]] = [[0, 1, -2, Int64.max], [], [42]]
        let text = rows.map(Packed.text).joined(separator: ";")
        #expect(Packed.rows(text) == rows)
        #expect(Packed.integers(Packed.text([7, -7, 0])) == [7, -7, 0])
        #expect(Packed.integers("") == [])
        var totals = EngagementTotals()
        totals.delivered = 5
        totals.reach = 3
        totals.controlConverters = 1
        totals.revenue = [0: 1_500_000, 2: 7]
        let back = ShardPartial.totals(ShardPartial.row(totals))
        #expect(back.delivered == 5 && back.reach == 3 && back.controlConverters == 1 && back.revenue == totals.revenue)
    }
}
