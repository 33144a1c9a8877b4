import Glibc

/// Zero-filled storage for the large tables probed at random: hash slots, per-subject flags,
/// consent points.
///
/// Beyond a few MiB it is mapped on its own and the kernel is asked for 2 MiB pages
/// (`MADV_HUGEPAGE`): every random probe of a table larger than the TLB's reach otherwise
/// pays a page walk besides its cache miss, which measured as an eighth of a 10M-event run.
/// Freshly mapped memory is zero, so tables whose empty marker is 0 need no initialisation.
package final class LargeBuffer<Element: BitwiseCopyable> {
    package private(set) var base: UnsafeMutablePointer<Element>
    package private(set) var capacity: Int
    private var mapping: (start: UnsafeMutableRawPointer, length: Int)?

    private static var hugePage: Int { 2 << 20 }
    /// Smaller buffers come from malloc: a huge page for them would mostly be waste.
    private static var mappingThreshold: Int { 4 << 20 }

    package init(zeroedCapacity: Int) {
        (base, mapping) = Self.allocate(zeroedCapacity)
        capacity = zeroedCapacity
    }

    deinit { Self.release(base, mapping) }

    @inline(__always)
    package subscript(index: Int) -> Element {
        get { base[index] }
        set { base[index] = newValue }
    }

    /// Grows to `newCapacity`, keeping the contents; the new elements are zero.
    package func grow(to newCapacity: Int) {
        guard newCapacity > capacity else { return }
        let (newBase, newMapping) = Self.allocate(newCapacity)
        newBase.update(from: base, count: capacity)
        Self.release(base, mapping)
        base = newBase
        mapping = newMapping
        capacity = newCapacity
    }

    private static func allocate(_ count: Int) -> (UnsafeMutablePointer<Element>, (UnsafeMutableRawPointer, Int)?) {
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
