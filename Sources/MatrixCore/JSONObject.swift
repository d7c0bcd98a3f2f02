/// An object member name, compared code point by code point. JSON and canonical JSON tell keys apart
/// by their code points, while Swift's `String` equality is canonical equivalence (a precomposed "é"
/// equals "e" + combining acute); keyed by `String`, two distinct keys of an event would merge, and a
/// server would disagree with the others about that event's hash and validity.
public struct JSONKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let string: String

    public init(_ string: String) {
        self.string = string
    }

    public var description: String { string }

    public static func == (lhs: JSONKey, rhs: JSONKey) -> Bool {
        lhs.string.utf8.elementsEqual(rhs.string.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        var text = string
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Code point order (which UTF-8 byte order is), as canonical JSON sorts keys.
    public static func < (lhs: JSONKey, rhs: JSONKey) -> Bool {
        lhs.string.utf8.lexicographicallyPrecedes(rhs.string.utf8)
    }
}

/// A JSON object: members keyed by `JSONKey`, read and written with plain `String` names.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    private var storage: [JSONKey: JSONValue]

    public init() {
        storage = [:]
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        storage = Dictionary(elements.map { (JSONKey($0.0), $0.1) }, uniquingKeysWith: { _, last in last })
    }

    public init<S: Sequence>(uniqueKeysWithValues elements: S) where S.Element == (String, JSONValue) {
        storage = Dictionary(elements.map { (JSONKey($0.0), $0.1) }, uniquingKeysWith: { _, last in last })
    }

    public subscript(key: String) -> JSONValue? {
        get { storage[JSONKey(key)] }
        set { storage[JSONKey(key)] = newValue }
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }
    /// Member names, in no particular order.
    public var keys: [String] { storage.keys.map(\.string) }
    /// Member names in canonical JSON order (by code point).
    public var sortedKeys: [String] { storage.keys.sorted().map(\.string) }
    public var values: Dictionary<JSONKey, JSONValue>.Values { storage.values }

    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        storage.updateValue(value, forKey: JSONKey(key))
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        storage.removeValue(forKey: JSONKey(key))
    }

    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var copy = self
        copy.storage = try storage.mapValues(transform)
        return copy
    }

    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> JSONObject {
        var copy = JSONObject()
        copy.storage = try storage.filter { try isIncluded((key: $0.key.string, value: $0.value)) }
        return copy
    }

    /// A `String`-keyed dictionary of the transformed values (for maps such as power levels' `users`).
    /// Keys that are distinct only in code points, not under canonical equivalence, keep one entry.
    public func compactMapValues<T>(_ transform: (JSONValue) throws -> T?) rethrows -> [String: T] {
        var result: [String: T] = [:]
        for (key, value) in storage {
            if let mapped = try transform(value) { result[key.string] = mapped }
        }
        return result
    }

    /// Adds `other`'s members; `other` wins where both have a key.
    public mutating func merge(_ other: JSONObject) {
        storage.merge(other.storage) { _, theirs in theirs }
    }

    /// A copy with `other`'s members added; `combine` picks the value where both have a key.
    public func merging(_ other: JSONObject, uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue)
        rethrows -> JSONObject
    {
        var copy = self
        copy.storage = try storage.merging(other.storage, uniquingKeysWith: combine)
        return copy
    }

    public func makeIterator() -> AnyIterator<Element> {
        var inner = storage.makeIterator()
        return AnyIterator {
            guard let next = inner.next() else { return nil }
            return (key: next.key.string, value: next.value)
        }
    }
}
