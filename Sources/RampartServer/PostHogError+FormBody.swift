import RampartBodyDecoding

extension PostHogError {
    /// A form body that could not be read: 400 `invalid_payload`, 413 `body_too_large`, or the gzip failure of its
    /// data.
    ///
    /// - Parameter failure: What ``PostHogFormBody/decode(_:limit:)`` threw.
    init(_ failure: PostHogFormBody.Failure) {
        switch failure {
        case .invalidPayload: self.init(.badRequest, code: "invalid_payload", failure.description)
        case .tooLarge: self.init(.contentTooLarge, code: "body_too_large", failure.description)
        case .gzip(let gzip): self.init(APIError(gzip))
        }
    }
}
