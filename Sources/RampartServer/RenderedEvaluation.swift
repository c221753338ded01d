import HTTPTypes
import Hummingbird
import Metrics
import NIOCore

/// One OFREP success answer of an experiment — a (variant, reason) pair — rendered when the configuration loads,
/// with the counter it increments. Serving it hands out the shared buffer: nothing is encoded per request.
struct RenderedEvaluation: Sendable {
    /// The response body: the OFREP success object.
    let body: ByteBuffer
    /// `rampart_evaluations_total` for this experiment, variant and reason.
    let counter: Counter

    /// The headers of every JSON success response, built once.
    static let headers: HTTPFields = [.contentType: "application/json"]

    /// A 200 response with the rendered body; the same bytes as `Response.json` would send for the same text.
    var response: Response {
        Response(status: .ok, headers: Self.headers, body: .init(byteBuffer: body))
    }
}
