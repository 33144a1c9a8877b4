import Glibc

/// One stretch of one file that a part of an input reads.
package struct InputPiece: Sendable, Equatable {
    /// Index into the input's files.
    package var file: Int
    /// Where reading starts: the file's start, a known record boundary (`exact`), or an
    /// offset from which the first record boundary is guessed.
    package var start: Int64
    /// Records that start at or after this offset belong to the next part (`Int64.max`:
    /// read to the end of the file).
    package var end: Int64
    package var exact: Bool

    package init(file: Int, start: Int64, end: Int64, exact: Bool) {
        self.file = file
        self.start = start
        self.end = end
        self.exact = exact
    }
}

/// Cuts an input's files into parts of about equal size, one per thread.
///
/// A part is a run of consecutive files, or stretches of them: a large file is cut at byte
/// offsets, and the part after a cut starts at the first line end after it (checked later
/// against where the part before actually stopped). Compressed files are never cut: their
/// bytes can only be read from the start.
package enum InputPlan {
    /// Parts per thread when there are several threads: a thread that is done early takes
    /// another part instead of waiting for the slowest (a part that hashes a whole file, or
    /// meets slower rows). More parts would cost more merging than they save.
    package static let partsPerThread = 4

    /// How many parts to cut an input into for `threads` threads: one for one thread (no
    /// merging), ``partsPerThread`` per thread otherwise. ``split`` may make fewer, never
    /// smaller than its minimum.
    /// A part is this many times a small part (see ``split``'s `smallParts`).
    private static let smallPartShare: Int64 = 4

    package static func partCount(threads: Int) -> Int {
        threads <= 1 ? 1 : threads * partsPerThread
    }

    /// The files' sizes as stored (0 for a file that cannot be read now).
    package static func sizes(_ files: [ResolvedFile]) -> [Int64] {
        files.map { file in
            var info = stat()
            return stat(file.absolute, &info) == 0 ? Int64(info.st_size) : 0
        }
    }

    /// The files' total size as stored.
    package static func storedBytes(_ files: [ResolvedFile]) -> Int64 { sizes(files).reduce(0, +) }

    package static func split(
        sizes: [Int64], splittable: [Bool], parts: Int, smallParts: Int = 0, minimumPartBytes: Int64
    ) -> [[InputPiece]] {
        let total = sizes.reduce(0, +)
        let count = max(1, min(parts, Int(total / max(minimumPartBytes, 1))))
        // Part k ends at the share `ends[k] / ends.last` of the bytes.
        let small = count > 1 ? min(smallParts, count - 1) : 0
        var ends: [Int64] = []
        for part in 0..<count { ends.append((ends.last ?? 0) + (part < count - small ? smallPartShare : 1)) }
        var cutsInside = Array(repeating: [Int64](), count: sizes.count)
        var cutBefore = Array(repeating: false, count: sizes.count + 1)
        if count > 1 {
            for k in 1..<count {
                let target = total * ends[k - 1] / ends[count - 1]
                var before: Int64 = 0
                for (file, size) in sizes.enumerated() {
                    if target < before + size || file == sizes.count - 1 {
                        let offset = target - before
                        if offset <= 0 {
                            cutBefore[file] = true
                        } else if splittable[file] && offset < size {
                            if cutsInside[file].last != offset { cutsInside[file].append(offset) }
                        } else {
                            cutBefore[file + 1] = true
                        }
                        break
                    }
                    before += size
                }
            }
        }
        var plan: [[InputPiece]] = [[]]
        for (file, cuts) in cutsInside.enumerated() {
            if cutBefore[file] && !plan[plan.count - 1].isEmpty { plan.append([]) }
            var start: Int64 = 0
            for cut in cuts {
                plan[plan.count - 1].append(InputPiece(file: file, start: start, end: cut, exact: start == 0))
                plan.append([])
                start = cut
            }
            plan[plan.count - 1].append(InputPiece(file: file, start: start, end: .max, exact: start == 0))
        }
        return plan.filter { !$0.isEmpty }
    }
}
