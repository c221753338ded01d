import ArgumentParser

/// A failure the CLI reports as one message on standard error, exiting with status 1.
struct CLIFailure: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
