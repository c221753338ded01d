import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension WebhookSender {
    /// Why a request did not complete, in words that never carry the URL: Foundation's error text includes the whole
    /// URL (`NSErrorFailingURLKey`), whose path or query may hold the receiver's credentials, and viewers read the
    /// delivery's last error.
    ///
    /// - Parameter error: What `URLSession` threw.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? URLError else { return "the request failed (\(type(of: error)))" }
        let reason: String
        switch error.code {
        case .timedOut: reason = "no answer before the timeout"
        case .cannotConnectToHost: reason = "the connection was refused"
        case .cannotFindHost, .dnsLookupFailed: reason = "the host name did not resolve"
        case .networkConnectionLost: reason = "the connection was lost before the answer"
        case .notConnectedToInternet: reason = "no network"
        case .badServerResponse, .cannotParseResponse: reason = "the answer was not valid HTTP"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
             .serverCertificateHasUnknownRoot, .clientCertificateRejected, .clientCertificateRequired:
            reason = "the TLS connection failed"
        case .httpTooManyRedirects, .redirectToNonExistentLocation: reason = "too many or broken redirects"
        case .cancelled: reason = "the request was cancelled"
        case .unsupportedURL, .badURL: reason = "the URL is not one that can be requested"
        default: reason = "the request failed"
        }
        return "\(reason) (URL error \(error.code.rawValue))"
    }
}
