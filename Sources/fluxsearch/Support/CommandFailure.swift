import ArgumentParser

/// A failure found while a command runs (a file that cannot be read, input of the wrong
/// kind): printed as `Error: MESSAGE` with exit status 1. Invalid arguments, found before
/// any work, are `ValidationError`s and exit 64.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) { description = message }
}
