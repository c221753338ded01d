import Foundation
import RampartCore

extension Event {
    /// An event rebuilt from its stored row, for ``StoreTransfer``: the inverse of how `EncodedBatch` lays an event
    /// out (typed columns, the other properties as JSON in `props`).
    ///
    /// - Parameters:
    ///   - name: The event name.
    ///   - unit: The unit key as stored.
    ///   - milliseconds: `ts`, milliseconds since 1970.
    ///   - uuid: The 16 bytes of the uuid.
    ///   - typed: One value per column of `EventColumns.typed`, in order, `nil` for SQL NULL; booleans as 0 or 1.
    ///   - props: The `props` JSON object, if any.
    /// - Throws: `RampartError` `storage` when the row cannot be read back (a malformed uuid or `props`).
    static func stored(name: String, unit: String, milliseconds: Int64, uuid: [UInt8], typed: [JSONValue?], props: String?) throws -> Event {
        guard uuid.count == 16 else {
            throw RampartError(.storage, "a stored event has a uuid of \(uuid.count) bytes, not 16")
        }
        var properties: [String: JSONValue] = [:]
        if let props, !props.isEmpty {
            guard case .object(let object) = try? JSONValue.parse(props) else {
                throw RampartError(.storage, "a stored event's props are not a JSON object: \(props.prefix(80))")
            }
            properties = object
        }
        for (column, value) in zip(EventColumns.typed, typed) {
            guard let value else { continue }
            if column.type == .boolean, let number = value.numberValue {
                properties[column.name] = .bool(number != 0)
            } else {
                properties[column.name] = value
            }
        }
        let bytes = uuid
        let id = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                             bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        // Half a millisecond in, so that `milliseconds` (rounded down) gives back exactly the stored value.
        let timestamp = Date(timeIntervalSince1970: (Double(milliseconds) + 0.5) / 1000)
        return Event(id: id, name: name, unit: unit, timestamp: timestamp, properties: properties)
    }
}
