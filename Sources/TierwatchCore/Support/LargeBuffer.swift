import Glibc

/// Zero-filled storage for the large tables probed at random: hash slots, per-subject flags,
/// consent points.
///
/// Beyond a few MiB it is mapped on its own and the kernel is asked for 2 MiB pages
/// (`MADV_HUGEPAGE`): every random probe of a table larger than the TLB's reach otherwise
/// pays a page walk besides its cache miss, which measured as an eighth of a 10M-event run.
/// Freshly mapped memory is zero, so tables whose empty marker is 0 need no initialisation.
///
/// A buffer made with room to grow (`reserving:`) maps address space for its largest size
/// up front, readable and writable only as far as it is used: ``extend(to:)`` then grows it
/// where it is, so the elements it holds are neither copied nor faulted in again. On this
/// kind of machine a page touched for the first time costs 2–3 s per GiB (the virtual
/// machine's host backs it only then), so a table that doubled into new memory paid for
/// twice its final size.
package final class LargeBuffer<Element: BitwiseCopyable> {
    package private(set) var base: UnsafeMutablePointer<Element>
    package private(set) var capacity: Int
    private var mapping: (start: UnsafeMutableRawPointer, length: Int)?
    /// Bytes from `base` that may become usable in place (0: no reservation).
    private var reservedBytes = 0

    private static var hugePage: Int { 2 << 20 }
    /// Smaller buffers come from malloc: a huge page for them would mostly be waste.
    private static var mappingThreshold: Int { 4 << 20 }

    /// - Parameter populated: fault the pages in now, in one call, rather than at first
    ///   touch. A table probed at random reads a page before it writes it, and on several
    ///   threads that costs twice: the read maps the shared zero page, and the write that
    ///   replaces it must flush the other processors' TLBs (a tenth of the CPU time of a
    ///   10M-event run on 2 threads went to those flushes). A buffer that is only ever
    ///   written first, by several threads at once, is better left unpopulated.
    package init(zeroedCapacity: Int, populated: Bool = true) {
        (base, mapping) = Self.allocate(zeroedCapacity, populated: populated)
        capacity = zeroedCapacity
    }

    /// A buffer that can grow in place up to `maximumCapacity` elements. Where the address
    /// space cannot be had (a `ulimit -v`, say), it is an ordinary buffer.
    /// - Parameter hugePages: false where 2 MiB pages spare few page walks (a buffer written
    ///   and read in order, or one whose reads are touched ahead in batches): on a virtual
    ///   machine they cost more to fault, each needing 2 MiB of fresh host memory where
    ///   small pages reuse what the process freed.
    package init(zeroedCapacity: Int, reserving maximumCapacity: Int, hugePages: Bool = true) {
        let stride = MemoryLayout<Element>.stride
        let reserved = (max(maximumCapacity, zeroedCapacity, 1) * stride + Self.hugePage - 1) / Self.hugePage * Self.hugePage
        let length = reserved + Self.hugePage
        if let start = mmap(nil, length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
            start != UnsafeMutableRawPointer(bitPattern: -1)
        {
            let aligned = UnsafeMutableRawPointer(bitPattern: (Int(bitPattern: start) + Self.hugePage - 1) / Self.hugePage * Self.hugePage)!
            base = aligned.bindMemory(to: Element.self, capacity: zeroedCapacity)
            mapping = (start, length)
            reservedBytes = reserved
            capacity = 0
            // 2 MiB pages past the first 2 MiB: a small table stays on small pages (a part
            // of a small input), a large one gets large pages for nearly all of itself.
            if hugePages && reserved > Self.hugePage { _ = madvise(aligned + Self.hugePage, reserved - Self.hugePage, MADV_HUGEPAGE) }
            if extend(to: zeroedCapacity) { return }
            munmap(start, length)
        }
        (base, mapping) = Self.allocate(zeroedCapacity)
        reservedBytes = 0
        capacity = zeroedCapacity
    }

    /// Grows to `newCapacity` where the buffer is, when it was made with room for that:
    /// the new elements are zero. Returns false, changing nothing, otherwise.
    package func extend(to newCapacity: Int) -> Bool {
        let stride = MemoryLayout<Element>.stride
        let page = 4096
        let used = (capacity * stride + page - 1) / page * page
        let needed = (newCapacity * stride + page - 1) / page * page
        guard newCapacity > capacity, needed <= reservedBytes else { return newCapacity <= capacity }
        let raw = UnsafeMutableRawPointer(base)
        if needed > used {
            guard mprotect(raw + used, needed - used, PROT_READ | PROT_WRITE) == 0 else { return false }
            Self.populate(raw + used, needed - used)
        }
        capacity = newCapacity
        return true
    }

    deinit { Self.release(base, mapping) }

    @inline(__always)
    package subscript(index: Int) -> Element {
        get { base[index] }
        set { base[index] = newValue }
    }

    /// Grows to `newCapacity`, keeping the contents; the new elements are zero.
    package func grow(to newCapacity: Int) {
        guard newCapacity > capacity, !extend(to: newCapacity) else { return }
        let (newBase, newMapping) = Self.allocate(newCapacity)
        newBase.update(from: base, count: capacity)
        Self.release(base, mapping)
        base = newBase
        mapping = newMapping
        reservedBytes = 0
        capacity = newCapacity
    }

    /// Faults `bytes` from `start` in, writable (`MADV_POPULATE_WRITE`, Linux 5.14); advice
    /// only: where the kernel lacks it, pages are faulted at first touch as before.
    private static func populate(_ start: UnsafeMutableRawPointer, _ bytes: Int) {
        _ = madvise(start, bytes, MADV_POPULATE_WRITE)
    }

    private static func allocate(
        _ count: Int, populated: Bool = true
    ) -> (UnsafeMutablePointer<Element>, (UnsafeMutableRawPointer, Int)?) {
        let bytes = max(count, 1) * MemoryLayout<Element>.stride
        if bytes >= mappingThreshold {
            let length = (bytes + hugePage - 1) / hugePage * hugePage + hugePage
            if let start = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                start != UnsafeMutableRawPointer(bitPattern: -1)
            {
                // Start on a 2 MiB boundary so that every page of the table can be huge.
                let aligned = (Int(bitPattern: start) + hugePage - 1) / hugePage * hugePage
                let pointer = UnsafeMutableRawPointer(bitPattern: aligned)!
                _ = madvise(pointer, length - hugePage, MADV_HUGEPAGE)  // advice only: without THP, plain pages
                if populated { populate(pointer, (bytes + 4095) / 4096 * 4096) }
                return (pointer.bindMemory(to: Element.self, capacity: count), (start, length))
            }
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: max(MemoryLayout<Element>.alignment, 16))
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        return (raw.bindMemory(to: Element.self, capacity: count), nil)
    }

    private static func release(_ base: UnsafeMutablePointer<Element>, _ mapping: (start: UnsafeMutableRawPointer, length: Int)?) {
        if let mapping {
            munmap(mapping.start, mapping.length)
        } else {
            UnsafeMutableRawPointer(base).deallocate()
        }
    }
}
