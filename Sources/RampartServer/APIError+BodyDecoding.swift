import RampartBodyDecoding

extension APIError {
    /// A gzip body that could not be decompressed: 413 `body_too_large` past the limit, 400 `invalid_gzip` otherwise.
    ///
    /// - Parameter failure: What ``GzipDecoding/decompress(_:limit:)`` threw.
    init(_ failure: GzipDecoding.Failure) {
        switch failure {
        case .tooLarge: self.init(.contentTooLarge, code: "body_too_large", failure.description)
        case .corrupt: self.init(.badRequest, code: "invalid_gzip", failure.description)
        }
    }
}
