import Foundation

/// Property names recognised from their UTF-8 bytes without making a `String`: the known properties and the
/// dropped ones, for ``EventParser/scanPlainEvent(_:now:into:)``. A dropped name wins over a known one.
struct PropertyNameTable: Sendable {
    /// What a name is.
    enum Match: Sendable, Equatable {
        /// A known property: its index in ``KnownProperties/ordered``.
        case known(Int)
        /// A dropped property: its number among the dropped names (in name order).
        case dropped(Int)
    }

    /// What the scanner checks a known property's value against.
    struct Check: Sendable {
        var type: PropertyType
        var nonNegative: Bool
        /// The allowed values' bytes, for `.oneOf`.
        var allowed: [[UInt8]]

        /// Whether a number is a valid value of a `.number` or `.integer` property (not negative where that is
        /// required; whole and in range for an integer).
        func accepts(_ n: Double) -> Bool {
            switch type {
            case .number: return !(nonNegative && n < 0)
            case .integer: return !(nonNegative && n < 0) && n == n.rounded() && abs(n) < 9e15
            default: return false
            }
        }
    }

    /// The names by byte length.
    private let byLength: [[(name: [UInt8], match: Match)]]
    /// Per known property, in ``KnownProperties/ordered`` order.
    let checks: [Check]

    /// Creates the table.
    ///
    /// - Parameter dropped: The names dropped before storage.
    init(dropped: Set<String>) {
        var byLength: [[(name: [UInt8], match: Match)]] = []
        func add(_ name: String, _ match: Match) {
            let bytes = Array(name.utf8)
            while byLength.count <= bytes.count { byLength.append([]) }
            byLength[bytes.count].append((bytes, match))
        }
        for (number, name) in dropped.sorted().enumerated() { add(name, .dropped(number)) }
        for (index, property) in KnownProperties.ordered.enumerated() where !dropped.contains(property.name) {
            add(property.name, .known(index))
        }
        self.byLength = byLength
        checks = KnownProperties.ordered.map { property in
            var allowed: [[UInt8]] = []
            if case .oneOf(let values) = property.type { allowed = values.map { Array($0.utf8) } }
            return Check(type: property.type, nonNegative: KnownProperties.nonNegative.contains(property.name), allowed: allowed)
        }
    }

    /// What the name is, or `nil` for any other property.
    ///
    /// - Parameter bytes: The name's UTF-8 bytes.
    func match(_ bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        guard let base = bytes.baseAddress, bytes.count > 0, bytes.count < byLength.count else { return nil }
        for entry in byLength[bytes.count] where entry.name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, base, bytes.count) == 0 }) {
            return entry.match
        }
        return nil
    }
}
