extension JSONValue {
    /// Parses JSON text from UTF-8 bytes.
    ///
    /// - Parameter utf8: The text; surrounding whitespace is allowed, anything else after the value is not.
    /// - Returns: The value.
    /// - Throws: ``RampartError`` with code `invalid_input`, naming the byte offset and the reason.
    public static func parse(utf8: UnsafeBufferPointer<UInt8>) throws(RampartError) -> JSONValue {
        try parse(utf8: utf8, exactIntegerMember: nil)
    }

    /// Parses JSON text from UTF-8 bytes, reading the integers of one member name exactly.
    ///
    /// - Parameters:
    ///   - utf8: The text; surrounding whitespace is allowed, anything else after the value is not.
    ///   - exactIntegerMember: A member name (at any depth) whose integer values past 2^53 − 1 in magnitude are read
    ///     as a string of their decimal text rather than a rounded number.
    /// - Returns: The value.
    /// - Throws: ``RampartError`` with code `invalid_input`, naming the byte offset and the reason.
    public static func parse(utf8: UnsafeBufferPointer<UInt8>, exactIntegerMember: String?) throws(RampartError) -> JSONValue {
        var scanner = JSONScanner(utf8)
        scanner.exactIntegerMember = exactIntegerMember
        do {
            return try scanner.readDocument()
        } catch {
            throw RampartError(.invalidInput, "not valid JSON at byte \(error.offset): \(error.reason)")
        }
    }

    /// Parses JSON text.
    ///
    /// - Parameter text: The JSON text.
    /// - Returns: The value.
    /// - Throws: ``RampartError`` with code `invalid_input`, naming the byte offset and the reason.
    public static func parse(_ text: String) throws(RampartError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, RampartError> = text.withUTF8 { buffer in
            Result { () throws(RampartError) -> JSONValue in try parse(utf8: buffer) }
        }
        return try result.get()
    }
}
