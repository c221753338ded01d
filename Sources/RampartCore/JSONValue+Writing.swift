extension JSONValue {
    /// Compact JSON text with sorted object keys, written without Foundation's encoder (the ingest hot path
    /// serializes every event's unknown properties).
    public var compactJSONText: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        appendJSON(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends compact JSON text with sorted object keys.
    ///
    /// - Parameter bytes: The UTF-8 buffer to append to.
    public func appendJSON(to bytes: inout [UInt8]) {
        switch self {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let b): bytes.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): Self.appendNumber(n, to: &bytes)
        case .string(let s): Self.appendString(s, to: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                element.appendJSON(to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            Self.appendObject(members, to: &bytes)
        }
    }

    /// Appends an object's members as JSON, keys sorted.
    ///
    /// - Parameters:
    ///   - members: The members.
    ///   - bytes: The UTF-8 buffer to append to.
    public static func appendObject(_ members: [String: JSONValue], to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        for (i, key) in members.keys.sorted().enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            members[key]!.appendJSON(to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Appends a number: integers without a fraction, others in Swift's shortest round-trip form.
    static func appendNumber(_ n: Double, to bytes: inout [UInt8]) {
        guard n.isFinite else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        if n == n.rounded(), abs(n) < 1e15 {
            bytes.append(contentsOf: String(Int64(n)).utf8)
        } else {
            bytes.append(contentsOf: n.description.utf8)
        }
    }

    /// Appends a quoted string with JSON escapes: the runs between characters that need an escape are copied
    /// whole.
    static func appendString(_ s: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                appendEscape(byte, to: &bytes)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends the JSON escape of a quote, a backslash or a control character.
    private static func appendEscape(_ byte: UInt8, to bytes: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
        case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
        case 0x0A: bytes.append(contentsOf: "\\n".utf8)
        case 0x0D: bytes.append(contentsOf: "\\r".utf8)
        case 0x09: bytes.append(contentsOf: "\\t".utf8)
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: "\\u00".utf8)
            bytes.append(hex[Int(byte >> 4)])
            bytes.append(hex[Int(byte & 0xF)])
        }
    }
}

extension JSONValue {
    /// Appends members as a JSON object with sorted keys, exactly as ``appendObject(_:to:)`` writes the same
    /// members as a dictionary; sorts `members` in place.
    ///
    /// - Parameters:
    ///   - members: The members; keys must be distinct.
    ///   - bytes: The UTF-8 buffer to append to.
    public static func appendSortedObject(_ members: inout [(key: String, value: JSONValue)], to bytes: inout [UInt8]) {
        members.sort { $0.key < $1.key }
        bytes.append(UInt8(ascii: "{"))
        for (i, member) in members.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            appendString(member.key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            member.value.appendJSON(to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }
}
