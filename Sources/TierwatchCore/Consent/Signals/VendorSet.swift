/// A set of TCF vendor ids as a string carries it: a bit field or a list of ranges.
///
/// Kept as sorted, disjoint ranges whatever the encoding, so a range entry such as
/// 1-65535 costs one element and membership is a binary search.
package struct VendorSet: Sendable, Equatable {
    package enum Encoding: String, Sendable { case bitField = "bit_field", range }

    /// The largest vendor id the section represents (`MaxVendorId`).
    package var maxVendorID: Int
    package var encoding: Encoding
    /// Sorted, disjoint, non-adjacent ranges of the ids in the set.
    package private(set) var ranges: [ClosedRange<Int>]

    package init(maxVendorID: Int, encoding: Encoding, ids: [ClosedRange<Int>]) {
        self.maxVendorID = maxVendorID
        self.encoding = encoding
        var merged: [ClosedRange<Int>] = []
        for range in ids.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        ranges = merged
    }

    package static let empty = VendorSet(maxVendorID: 0, encoding: .bitField, ids: [])

    package func contains(_ id: Int) -> Bool {
        var low = 0, high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < id { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count && ranges[low].contains(id)
    }

    /// Every id, in order.
    package var ids: [Int] { ranges.flatMap { Array($0) } }

    /// Reads `MaxVendorId`, `IsRangeEncoding` and the bit field or range entries.
    static func read(_ reader: inout BitReader, _ field: String) throws(SignalRejection) -> VendorSet {
        let maxVendorID = try reader.int(16, "\(field).MaxVendorId")
        if try reader.bool("\(field).IsRangeEncoding") {
            let ranges = try readRanges(&reader, field, maxVendorID: maxVendorID)
            return VendorSet(maxVendorID: maxVendorID, encoding: .range, ids: ranges)
        }
        let ids = try reader.bitField(maxVendorID, "\(field).BitField")
        return VendorSet(maxVendorID: maxVendorID, encoding: .bitField, ids: ids.map { $0...$0 })
    }

    /// Reads `NumEntries` (12 bits) and that many entries: `IsARange`, a 16-bit start or
    /// only id, and a 16-bit end id for ranges.
    static func readRanges(_ reader: inout BitReader, _ field: String, maxVendorID: Int?) throws(SignalRejection) -> [ClosedRange<Int>] {
        let count = try reader.int(12, "\(field).NumEntries")
        var ranges: [ClosedRange<Int>] = []
        for entry in 1...max(count, 1) where count > 0 {
            let isRange = try reader.bool("\(field) entry \(entry) IsARange")
            let start = try reader.int(16, "\(field) entry \(entry) StartOrOnlyVendorId")
            let end = isRange ? try reader.int(16, "\(field) entry \(entry) EndVendorId") : start
            guard start >= 1 else {
                throw SignalRejection(.malformed, "\(field) entry \(entry) has vendor id 0; vendor ids start at 1")
            }
            guard end >= start else {
                throw SignalRejection(.malformed, "\(field) entry \(entry) ends at \(end), before its start \(start)")
            }
            if let maxVendorID, end > maxVendorID {
                throw SignalRejection(.malformed, "\(field) entry \(entry) names vendor \(end), above MaxVendorId \(maxVendorID)")
            }
            ranges.append(start...end)
        }
        return ranges
    }
}
