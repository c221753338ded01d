import Foundation

extension EventParser {
    /// What the parser accepts and what it drops before storage.
    public struct Configuration: Sendable {
        /// Properties that carry raw model input or output, dropped by default.
        public static let rawContentProperties: Set<String> = [
            "prompt", "input", "output", "messages", "completion", "$ai_input", "$ai_output_choices",
        ]

        /// Properties removed before storage, at any depth of the properties object.
        public var droppedProperties: Set<String>
        /// How far in the future a timestamp may be, in seconds (clock skew allowance).
        public var maximumFutureSkew: TimeInterval
        /// The longest event name accepted, in UTF-8 bytes.
        public var maximumNameLength: Int
        /// The longest unit id accepted, in UTF-8 bytes.
        public var maximumUnitLength: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - droppedProperties: Properties removed before storage; defaults to ``rawContentProperties``.
        ///   - additionalDroppedProperties: More properties to drop on top of `droppedProperties`.
        ///   - maximumFutureSkew: How far in the future a timestamp may be, in seconds; one day by default.
        ///   - maximumNameLength: The longest event name, in bytes.
        ///   - maximumUnitLength: The longest unit id, in bytes.
        public init(
            droppedProperties: Set<String> = rawContentProperties,
            additionalDroppedProperties: [String] = [],
            maximumFutureSkew: TimeInterval = 86_400,
            maximumNameLength: Int = 200,
            maximumUnitLength: Int = 512
        ) {
            self.droppedProperties = droppedProperties.union(additionalDroppedProperties)
            self.maximumFutureSkew = maximumFutureSkew
            self.maximumNameLength = maximumNameLength
            self.maximumUnitLength = maximumUnitLength
        }

        /// Drops raw-content properties, removes `null`s and checks the known properties' types.
        ///
        /// - Parameter properties: The properties, changed in place.
        /// - Returns: The first property with a wrong value and why, or `nil`.
        func normalize(_ properties: inout [String: JSONValue]) -> (property: String, reason: String)? {
            var problem: (property: String, reason: String)?
            var removals: [String] = []
            var rewrites: [(String, JSONValue)] = []
            for (key, value) in properties {
                if droppedProperties.contains(key) || value.isNull {
                    removals.append(key)
                    continue
                }
                if let type = KnownProperties.types[key] {
                    if let reason = KnownProperties.check(key, value, type: type) {
                        if problem == nil || key < problem!.property { problem = (key, reason) }
                    }
                } else if case .object = value, !droppedProperties.isEmpty {
                    rewrites.append((key, value.dropping(droppedProperties)))
                } else if case .array = value, !droppedProperties.isEmpty {
                    rewrites.append((key, value.dropping(droppedProperties)))
                }
            }
            if let problem { return problem }
            for key in removals { properties.removeValue(forKey: key) }
            for (key, value) in rewrites { properties[key] = value }
            return nil
        }
    }
}

extension JSONValue {
    /// This value with the named members removed from every object inside it.
    func dropping(_ names: Set<String>) -> JSONValue {
        switch self {
        case .object(let members):
            var kept: [String: JSONValue] = [:]
            for (key, value) in members where !names.contains(key) { kept[key] = value.dropping(names) }
            return .object(kept)
        case .array(let elements):
            return .array(elements.map { $0.dropping(names) })
        default:
            return self
        }
    }
}
