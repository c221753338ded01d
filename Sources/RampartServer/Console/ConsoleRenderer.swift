import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders console pages from the Mustache templates in `Resources/console` (HTML-escaped by default: `{{x}}`
/// escapes `< > & " '`; only `{{{…}}}` inserts markup, and only markup the server built and escaped itself, such as
/// the report's SVG charts).
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary
    let css: String
    let script: String

    /// Loads the templates, the style sheet and the script shipped as resources of this module.
    static func load() async throws -> ConsoleRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("console").path,
              FileManager.default.fileExists(atPath: directory) else {
            throw ConsoleRendererError(message: "the console templates are missing from the RampartServer resources")
        }
        let library = try await MustacheLibrary(directory: directory)
        let css = try String(contentsOfFile: directory + "/console.css", encoding: .utf8)
        let script = try String(contentsOfFile: directory + "/console.js", encoding: .utf8)
        return ConsoleRenderer(library: library, css: css, script: script)
    }

    /// A full page: the template rendered with the layout's values (title, who is signed in, the CSRF token).
    ///
    /// - Parameters:
    ///   - template: The template's name (its file name without `.mustache`).
    ///   - title: The page title.
    ///   - identity: Who is signed in, if anyone.
    ///   - status: The HTTP status.
    ///   - values: The page's values.
    func page(_ template: String, title: String, identity: ConsoleIdentity?, status: HTTPResponse.Status = .ok,
              values: [String: Any] = [:], headers: HTTPFields = [:]) -> Response {
        let html = self.html(template, title: title, identity: identity, values: values)
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        fields[HTTPField.Name("Content-Security-Policy")!] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; form-action 'self'; frame-ancestors 'none'"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A page's HTML: the template rendered with the layout's values (title, who is signed in, the CSRF token).
    func html(_ template: String, title: String, identity: ConsoleIdentity?, values: [String: Any]) -> String {
        var context = Self.compact(values)
        context["title"] = title
        if let identity {
            context["signedIn"] = true
            context["keyName"] = identity.session.keyName
            context["scope"] = identity.session.scope.rawValue
            context["canChange"] = identity.canChange
            context["csrf"] = identity.csrfToken
        }
        return library.render(context, withTemplate: template) ?? "<!DOCTYPE html><title>Rampart</title><p>The page template \(template) is missing.</p>"
    }

    /// The values without absent optionals (`nil` wrapped in `Any`), which Mustache would treat as present (a
    /// section shown, `href="nil"`), and with present ones unwrapped, at every depth: in the rows and objects a page
    /// nests as well as at its top level.
    static func compact(_ values: [String: Any]) -> [String: Any] {
        var out: [String: Any] = [:]
        for (key, value) in values {
            if let present = compacted(value) { out[key] = present }
        }
        return out
    }

    /// A value with its optionals unwrapped and its dictionaries and arrays compacted; `nil` when it is absent.
    static func compacted(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            return mirror.children.first.flatMap { compacted($0.value) }
        }
        if let object = value as? [String: Any] { return compact(object) }
        if let array = value as? [Any] { return array.compactMap(compacted) }
        return value
    }

    /// An error page: a title and a sentence, never a stack trace.
    func error(_ status: HTTPResponse.Status, title: String, message: String, identity: ConsoleIdentity?, headers: HTTPFields = [:]) -> Response {
        page("error", title: title, identity: identity, status: status, values: ["heading": title, "message": message, "status": Int(status.code)], headers: headers)
    }
}

struct ConsoleRendererError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A console request that cannot be answered with its page: rendered as an error page with this status.
struct ConsolePageError: Error {
    var status: HTTPResponse.Status
    var title: String
    var message: String
    var headers: HTTPFields = [:]
}
