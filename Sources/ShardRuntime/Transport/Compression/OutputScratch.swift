/// A growable raw output buffer reused across messages by the decompressors, so each
/// payload costs one copy into its final array (no zero-filling, no per-chunk appends).
struct OutputScratch {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int = 256 * 1024) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    func free() { base.deallocate() }

    /// Makes room for at least `extra` more bytes after `count`.
    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let p = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        p.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = p
        capacity = newCapacity
    }

    var freeSpace: Int { capacity - count }
    var tail: UnsafeMutableRawPointer { base + count }

    func makeArray() -> [UInt8] { Array(UnsafeRawBufferPointer(start: base, count: count)) }
}
