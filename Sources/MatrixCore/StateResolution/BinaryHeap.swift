/// A minimal binary min-heap. State resolution needs one twice: Kahn's algorithm must always take the
/// smallest ready event, and the auth chain walk visits events latest-first. The standard library has
/// no priority queue, and a sorted array would make both quadratic on long chains.
struct BinaryHeap<Element: Comparable> {
    private var items: [Element] = []

    var isEmpty: Bool { items.isEmpty }
    var count: Int { items.count }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let smallest = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var candidate = parent
            if left < items.count, items[left] < items[candidate] { candidate = left }
            if right < items.count, items[right] < items[candidate] { candidate = right }
            if candidate == parent { break }
            items.swapAt(parent, candidate)
            parent = candidate
        }
        return smallest
    }
}
