/// A map holding at most `capacity` entries: adding one more forgets the least recently used.
/// Entries live in an array and link to their neighbours in use order by index, so every operation
/// is O(1) and no per-entry objects are allocated.
struct LRUCache<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        /// Neighbours in use order: `newer` towards the most recent, `older` towards the eviction end.
        var newer: Int?
        var older: Int?
    }

    let capacity: Int
    private var slots: [Slot] = []
    private var indexByKey: [Key: Int] = [:]
    private var freeSlots: [Int] = []
    private var newest: Int?
    private var oldest: Int?

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { indexByKey.count }

    /// The value, which becomes the most recently used.
    mutating func value(for key: Key) -> Value? {
        guard let index = indexByKey[key] else { return nil }
        moveToFront(index)
        return slots[index].value
    }

    /// The value without touching the use order.
    func peek(_ key: Key) -> Value? {
        indexByKey[key].map { slots[$0].value }
    }

    mutating func set(_ value: Value, for key: Key) {
        if let index = indexByKey[key] {
            slots[index].value = value
            moveToFront(index)
            return
        }
        if indexByKey.count >= capacity, let victim = oldest { remove(at: victim) }
        let slot = Slot(key: key, value: value, newer: nil, older: nil)
        let index: Int
        if let free = freeSlots.popLast() {
            slots[free] = slot
            index = free
        } else {
            slots.append(slot)
            index = slots.count - 1
        }
        indexByKey[key] = index
        link(index)
    }

    mutating func removeValue(for key: Key) {
        if let index = indexByKey[key] { remove(at: index) }
    }

    private mutating func remove(at index: Int) {
        unlink(index)
        indexByKey[slots[index].key] = nil
        freeSlots.append(index)
    }

    private mutating func moveToFront(_ index: Int) {
        guard newest != index else { return }
        unlink(index)
        link(index)
    }

    /// Makes `index` the newest.
    private mutating func link(_ index: Int) {
        slots[index].newer = nil
        slots[index].older = newest
        if let previous = newest { slots[previous].newer = index }
        newest = index
        if oldest == nil { oldest = index }
    }

    private mutating func unlink(_ index: Int) {
        let (newer, older) = (slots[index].newer, slots[index].older)
        if let newer { slots[newer].older = older } else { newest = older }
        if let older { slots[older].newer = newer } else { oldest = newer }
        slots[index].newer = nil
        slots[index].older = nil
    }
}
