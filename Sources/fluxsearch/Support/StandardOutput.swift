import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Standard output, checked in one place.
//
// Every command prints its results with `out(_:)` (never `print`), which writes to C stdio's
// `stdout` and checks the result. The first failed write is remembered and later output is
// dropped; at exit (`StandardOutput.finish`, an atexit handler) stdout is flushed and a
// failure turns into the exit status:
//
// - EPIPE (the reader went away, `fluxsearch export | head -1`): no message, exit 141, the
//   status of a process killed by SIGPIPE. SIGPIPE itself is ignored so that a write returns
//   EPIPE instead of killing the process in the middle of a write.
// - any other error (ENOSPC on a full disk, EIO): `Error: cannot write to standard output: …`
//   on stderr, exit 1.
//
// Output that bypasses `out` (ArgumentParser's help and error screens, which use `print`)
// goes through the same `stdout` stream, so the flush and `ferror` check at exit cover it too.

/// Checked standard output: see the comment at the top of this file.
enum StandardOutput {
    /// The errno of the first failed write to stdout, or nil. Guarded by `lock`.
    nonisolated(unsafe) private static var failure: Int32?
    private static let lock = NSLock()

    /// Ignores SIGPIPE and registers the exit check. Call once, first thing in `main`.
    static func install() {
        signal(SIGPIPE, SIG_IGN)
        atexit { StandardOutput.finish() }
    }

    /// Writes `text` to stdout (buffered). After a failed write, output is dropped.
    static func write(_ text: String) {
        lock.lock(); defer { lock.unlock() }
        guard failure == nil else { return }
        var text = text
        let written = text.withUTF8 { bytes -> Bool in
            bytes.isEmpty || fwrite(bytes.baseAddress, 1, bytes.count, stdout) == bytes.count
        }
        if !written { failure = errno == 0 ? EIO : errno }
    }

    /// The exit check: flushes stdout; after a failed write exits with 141 (EPIPE, silently)
    /// or 1 (anything else, with a message on stderr). Does nothing when every write succeeded.
    static func finish() {
        lock.lock()
        if failure == nil {
            if fflush(stdout) != 0 {
                failure = errno == 0 ? EIO : errno
            } else if ferror(stdout) != 0 {
                // An earlier buffered write failed (its errno is gone) and the buffer is empty now.
                failure = stdoutReaderGone() ? EPIPE : EIO
            }
        }
        let code = failure
        lock.unlock()
        guard let code else { return }
        if code == EPIPE { _exit(141) }
        fputs("Error: cannot write to standard output: \(String(cString: strerror(code)))\n", stderr)
        fflush(stderr)
        _exit(1)
    }

    /// True when stdout is a pipe or socket whose reading end is closed (poll reports POLLERR
    /// or POLLHUP for writing).
    private static func stdoutReaderGone() -> Bool {
        var p = pollfd(fd: STDOUT_FILENO, events: Int16(POLLOUT), revents: 0)
        return poll(&p, 1, 0) == 1 && (Int32(p.revents) & (POLLERR | POLLHUP)) != 0
    }
}

/// Prints `text` and `terminator` on standard output, checked (see ``StandardOutput``).
/// Use it instead of `print` for every result a command prints.
func out(_ text: String = "", terminator: String = "\n") {
    StandardOutput.write(text + terminator)
}

/// Writes `text` as is to standard error. Failures are ignored: there is nowhere left to report them.
func writeStandardError(_ text: String) {
    fputs(text, stderr)
}
