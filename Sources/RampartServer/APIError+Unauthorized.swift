import HTTPTypes

extension APIError {
    /// 401 with the `WWW-Authenticate` challenge RFC 9110 (section 15.5.2) requires, in RFC 6750's Bearer form: a
    /// missing key names the scheme only, a key that is not valid adds `error="invalid_token"`.
    ///
    /// - Parameters:
    ///   - code: `missing_api_key` or `invalid_api_key`.
    ///   - message: What to send instead.
    static func unauthorized(code: String, _ message: String) -> APIError {
        let challenge = code == "missing_api_key" ? #"Bearer realm="rampart""# : #"Bearer realm="rampart", error="invalid_token""#
        return APIError(.unauthorized, code: code, message, headers: [.wwwAuthenticate: challenge])
    }
}
