import HTTPTypes
import Yams

/// The methods each route of the API answers, read from the OpenAPI document the service publishes (the contract
/// `test_openapi_contract.py` holds every route to), so that a known path asked with another method gets 405 and
/// `Allow` (RFC 9110, section 15.5.6) instead of a bare 404.
struct RouteMethods: Sendable {
    /// One path template, `/v1/experiments/{key}` as segments (`nil` for a parameter), and its methods.
    private var routes: [(segments: [String?], methods: Set<HTTPRequest.Method>)] = []

    /// The routes of an OpenAPI document's `paths`.
    ///
    /// - Parameter openAPI: The document's YAML text.
    init(openAPI: String) {
        let document = (try? Yams.load(yaml: openAPI)) as? [String: Any]
        let paths = document?["paths"] as? [String: Any] ?? [:]
        for (path, item) in paths {
            let operations = (item as? [String: Any] ?? [:]).keys.compactMap { HTTPRequest.Method($0.uppercased()) }
            for method in operations where Self.methods.contains(method) { add(path, method) }
        }
    }

    static let methods: Set<HTTPRequest.Method> = [.get, .put, .post, .delete, .patch, .head, .options]

    /// Adds a route that the document does not list.
    mutating func add(_ path: String, _ method: HTTPRequest.Method) {
        let segments = Self.segments(path).map { $0.hasPrefix("{") && $0.hasSuffix("}") ? nil : $0 }
        if let index = routes.firstIndex(where: { $0.segments == segments }) {
            routes[index].methods.insert(method)
        } else {
            routes.append((segments, [method]))
        }
    }

    /// The methods of the route `path` matches (a literal segment before a parameter), or `nil` for no route.
    func methods(for path: String) -> Set<HTTPRequest.Method>? {
        let given = Self.segments(path)
        let matches = routes.filter { route in
            route.segments.count == given.count && zip(route.segments, given).allSatisfy { $0 == nil || $0 == $1 }
        }
        guard !matches.isEmpty else { return nil }
        let literals = matches.map { $0.segments.filter { $0 != nil }.count }.max()!
        return matches.filter { $0.segments.filter { $0 != nil }.count == literals }.reduce(into: []) { $0.formUnion($1.methods) }
    }

    static func segments(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }
}
