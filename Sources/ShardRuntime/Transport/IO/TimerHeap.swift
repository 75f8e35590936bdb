/// A binary min-heap of timers ordered by deadline (then insertion order); loop-thread only.
struct TimerHeap {
    struct Entry {
        let deadline: UInt64
        var seq: UInt64 = 0
        let handle: Scheduled
        let task: () -> Void

        init(deadline: UInt64, handle: Scheduled, task: @escaping () -> Void) {
            self.deadline = deadline
            self.handle = handle
            self.task = task
        }
    }

    private var items: [Entry] = []
    private var counter: UInt64 = 0

    var count: Int { items.count }

    func peekDeadline() -> UInt64? { items.first?.deadline }

    mutating func push(_ entry: Entry) {
        var e = entry
        counter &+= 1
        e.seq = counter
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(i, p) else { break }
            items.swapAt(i, p)
            i = p
        }
    }

    mutating func popDue(now: UInt64) -> Entry? {
        guard let first = items.first, first.deadline <= now else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && less(l, m) { m = l }
                if r < items.count && less(r, m) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return first
    }

    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = items[a], y = items[b]
        return x.deadline != y.deadline ? x.deadline < y.deadline : x.seq < y.seq
    }
}
