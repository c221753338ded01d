import Foundation
import HTTPTypes

extension HTTPFields {
    /// Whether `If-None-Match` names this entity tag (or `*`), so the answer is 304.
    ///
    /// - Parameter etag: The current entity tag, quoted.
    func ifNoneMatchContains(_ etag: String) -> Bool {
        guard let match = self[.ifNoneMatch] else { return false }
        return match.split(separator: ",").contains { tag in
            let tag = tag.trimmingCharacters(in: .whitespaces)
            return tag == etag || tag == "*"
        }
    }

    /// Whether `If-Match` allows a change to the entity whose tag is `etag` (RFC 9110, section 13.1.1): no header,
    /// `*`, or a list naming it. The comparison is strong: a weak tag (`W/"…"`) never matches.
    ///
    /// - Parameter etag: The current entity tag, quoted.
    func ifMatchAllows(_ etag: String) -> Bool {
        guard let match = self[.ifMatch] else { return true }
        return match.split(separator: ",").contains { tag in
            let tag = tag.trimmingCharacters(in: .whitespaces)
            return tag == etag || tag == "*"
        }
    }
}
