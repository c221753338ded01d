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
}
