import Foundation

extension CLIFailure {
    /// A failure in words for an error Foundation threw about a file, or `nil` for any other error: Foundation's
    /// own text is a dump (`Error Domain=NSCocoaErrorDomain Code=4 … UserInfo={…}`), not a message.
    ///
    /// - Parameters:
    ///   - error: What was thrown.
    ///   - doing: What the command was doing, e.g. "-o: cannot write the report to"; the message starts with it.
    static func file(_ error: any Error, doing: String? = nil) -> CLIFailure? {
        let nsError = error as NSError
        guard nsError.domain == NSCocoaErrorDomain else { return nil }
        let path = (nsError.userInfo[NSFilePathErrorKey] as? String) ?? (nsError.userInfo[NSURLErrorKey] as? URL)?.path
        let underlying = (nsError.userInfo[NSUnderlyingErrorKey] as? any Error).map { $0 as NSError }
        let reason = underlying.flatMap { $0.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32($0.code))) : nil }
            ?? nsError.localizedDescription
        return CLIFailure((doing.map { "\($0) " } ?? "") + "\(path.map { "'\($0)'" } ?? "a file"): \(reason)")
    }
}

extension RampartCommand {
    /// The error as the command line reports it: Foundation's file errors in words (``CLIFailure/file(_:doing:)``),
    /// others as they are.
    ///
    /// - Parameter error: What a command threw.
    public static func readable(_ error: any Error) -> any Error {
        CLIFailure.file(error) ?? error
    }
}
