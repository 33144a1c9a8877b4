import Digests
import Synchronization

/// Which subjects one shard of a sharded run owns (`tierwatch run JOB --shard I/N`).
///
/// Every figure Tierwatch reports is a sum over subjects or a per-subject join, so a run
/// splits by subject: a subject's events, consents, erasures and surveys all go to the shard
/// its id hashes to, the same hash for every input. Rows without a subject (anonymous
/// deliveries, for example) belong to shard 0, as do rejected rows: every shard reads and
/// checks every row, but only shard 0 writes `rejected.csv`.
///
/// An input whose path has `{shard}` is already split by this hash (``ShardParts``;
/// `tierwatch split` writes such parts): a shard reads only its own parts, counts every row
/// in them (rows without a subject too) and rejects, as misplaced, a row whose subject
/// belongs to another shard, which fails the shard (``misplaced``).
package struct ShardSpec: Sendable, Equatable {
    /// This shard, from 0, and how many there are.
    package let index: Int
    package let count: Int
    /// Keys the hash (from the pseudonym key), so an export cannot crowd one shard on purpose.
    let seed: UInt64
    /// Rows of this shard's parts that name another shard's subject (all parts' threads add).
    package let misplaced = MisplacedRows()

    package init(index: Int, count: Int, key: String) {
        self.index = index
        self.count = count
        let digest = SHA256.hash(Array(("tierwatch shard v1\n" + key).utf8))
        seed = digest.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }

    package static func == (a: ShardSpec, b: ShardSpec) -> Bool { a.index == b.index && a.count == b.count && a.seed == b.seed }

    /// The reason a misplaced row is rejected with (the shard then fails, naming the rows).
    static let misplacedReason = "belongs to another shard"

    /// `I/N` with 0 ≤ I < N ≤ 4096.
    package static func parse(_ text: String) throws(TierwatchError) -> (index: Int, count: Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, count <= 4096,
            index >= 0, index < count
        else {
            throw TierwatchError(.usage, "--shard expects I/N with 0 <= I < N <= 4096 (e.g. 0/8), found \(text)")
        }
        return (index, count)
    }

    /// The shard a subject id belongs to: FNV-1a over the id, seeded, then SplitMix64's
    /// finaliser so that similar ids spread; stable across machines and Swift versions
    /// (Swift's `Hasher` is seeded per process and would not be).
    @inline(__always)
    package func shard(of subject: UnsafeRawBufferPointer) -> Int {
        guard subject.count > 0 else { return 0 }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for byte in subject { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash = (hash ^ (hash >> 30)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ (hash >> 27)) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 31
        return Int(hash % UInt64(count))
    }

    @inline(__always)
    package func owns(_ subject: UnsafeRawBufferPointer) -> Bool { shard(of: subject) == index }

    /// Whether this shard counts a row of `subject`: in one of its own parts (`inPart`),
    /// every row but a misplaced one, which is rejected; elsewhere, the rows it owns.
    @inline(__always)
    func keeps(_ subject: UnsafeRawBufferPointer, inPart: Bool) throws(RowProblem) -> Bool {
        guard inPart else { return owns(subject) }
        let other = shard(of: subject)
        guard subject.count > 0, other != index else { return true }
        misplaced.add()
        throw RowProblem(
            field: "subject_id",
            reason: "\(Self.misplacedReason): shard \(other) of \(count), but this file is a part of shard \(index) (split with another key or shard count?)")
    }
}

/// A count that the parts' threads add to.
package final class MisplacedRows: Sendable {
    private let value = Atomic<Int>(0)
    package init() {}
    func add() { value.add(1, ordering: .relaxed) }
    package var count: Int { value.load(ordering: .relaxed) }
}
