extension Event {
    /// The event in the native JSON format, as one line of NDJSON (without the newline).
    public var ndjsonLine: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        appendNDJSON(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the event as one NDJSON line, newline included.
    ///
    /// - Parameter bytes: The UTF-8 buffer to append to.
    public func appendNDJSON(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: #"{"uuid":""#.utf8)
        bytes.append(contentsOf: id.uuidString.lowercased().utf8)
        bytes.append(contentsOf: #"","event":"#.utf8)
        JSONValue.appendString(name, to: &bytes)
        bytes.append(contentsOf: #","unit":"#.utf8)
        JSONValue.appendString(unit, to: &bytes)
        bytes.append(contentsOf: #","timestamp":""#.utf8)
        bytes.append(contentsOf: RFC3339.format(milliseconds: milliseconds).utf8)
        bytes.append(contentsOf: #"","properties":"#.utf8)
        JSONValue.appendObject(properties, to: &bytes)
        bytes.append(contentsOf: "}\n".utf8)
    }
}
