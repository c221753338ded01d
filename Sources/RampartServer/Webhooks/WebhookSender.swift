import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import RampartCore

/// Sends one signed notification over HTTP (URLSession).
public struct WebhookSender: Sendable {
    /// The answer: the HTTP status, or the error when the request did not complete.
    public enum Answer: Sendable, Hashable {
        case status(Int)
        case error(String)
    }

    let session: URLSession
    let timeout: TimeInterval

    public init(timeout: TimeInterval) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        self.session = URLSession(configuration: configuration)
        self.timeout = timeout
    }

    /// POSTs a body to an endpoint with Rampart's headers and signature.
    ///
    /// - Parameters:
    ///   - body: The rendered body.
    ///   - event: The event (its id and type go in headers).
    ///   - endpoint: The receiver and its secret.
    ///   - now: The moment of sending, for the timestamp.
    public func send(_ body: [UInt8], event: WebhookEvent, to endpoint: WebhookEndpoint, now: Date = Date()) async -> Answer {
        guard let url = URL(string: endpoint.url) else { return .error("invalid URL") }
        let timestamp = Int(now.timeIntervalSince1970)
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Rampart-Webhooks/1", forHTTPHeaderField: "User-Agent")
        request.setValue(event.kind.rawValue, forHTTPHeaderField: "X-Rampart-Event")
        request.setValue(event.id.uuidString.lowercased(), forHTTPHeaderField: "X-Rampart-Delivery")
        request.setValue(String(timestamp), forHTTPHeaderField: WebhookSignature.timestampHeader)
        request.setValue(WebhookSignature.signature(body: body, timestamp: timestamp, secrets: endpoint.secrets(at: now)), forHTTPHeaderField: WebhookSignature.signatureHeader)
        request.httpBody = Data(body)
        do {
            let (_, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return .error("not an HTTP response") }
            return .status(http.statusCode)
        } catch {
            return .error(Self.describe(error))
        }
    }
}
