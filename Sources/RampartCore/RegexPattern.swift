import Foundation

/// A regular expression from a `$regex` or `$regexi` operand, compiled once when its condition is.
///
/// Patterns use ICU syntax (`NSRegularExpression`), which agrees with JavaScript's on everything
/// targeting rules normally use: classes, anchors, groups, alternation, quantifiers.
struct RegexPattern: Sendable {
    private let expression: NSRegularExpression

    /// Compiles `pattern`, or returns `nil` when it is not a valid regular expression.
    ///
    /// - Parameters:
    ///   - pattern: The pattern, without delimiters or flags.
    ///   - caseInsensitive: Whether letters match regardless of case, as JavaScript's `i` flag.
    init?(_ pattern: String, caseInsensitive: Bool) {
        guard
            let expression = try? NSRegularExpression(
                pattern: pattern, options: caseInsensitive ? [.caseInsensitive] : [])
        else { return nil }
        self.expression = expression
    }

    /// Whether the pattern matches anywhere in `text`, as JavaScript's `RegExp.prototype.test`.
    func matches(_ text: String) -> Bool {
        let range = NSRange(location: 0, length: text.utf16.count)
        return expression.rangeOfFirstMatch(in: text, options: [], range: range).location != NSNotFound
    }
}
