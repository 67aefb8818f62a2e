import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A path exactly as the operating system names a file: its bytes, which on Linux need not
/// be valid UTF-8 (a name written by an old Latin-1 tool holds 0xE9 for "é").
///
/// Swift `String` and Foundation `URL` cannot hold such a name: both replace the bad bytes
/// with U+FFFD, after which the file cannot be found again. This type keeps the bytes, hands
/// them to `stat`/`open`/`avformat_open_input` unchanged (``withCString(_:)``), and shows
/// them to people as ``displayString``, where each byte that is not part of valid UTF-8 is
/// written `\xE9`.
///
/// For example:
/// ```swift
/// let p = FileSystemPath(bytes: Array("/v/caf".utf8) + [0xE9] + Array(".mp4".utf8))
/// p.string         // nil: not valid UTF-8
/// p.displayString  // "/v/caf\xE9.mp4"
/// let decoder = try VideoDecoder(path: p)
/// ```
public struct FileSystemPath: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The path's bytes, without a terminating NUL (a NUL byte cannot be part of a path).
    public let bytes: [UInt8]

    /// A path from its raw bytes (as `readdir` returns names). Bytes from the first NUL on
    /// are dropped, since the system would stop reading there.
    public init(bytes: [UInt8]) {
        if let nul = bytes.firstIndex(of: 0) { self.bytes = Array(bytes[..<nul]) } else { self.bytes = bytes }
    }

    /// The UTF-8 bytes of `string`.
    public init(_ string: String) { self.init(bytes: Array(string.utf8)) }

    /// The file-system representation of a file URL.
    public init(_ url: URL) {
        let bytes: [UInt8] = url.withUnsafeFileSystemRepresentation { p in
            guard let p else { return Array(url.path.utf8) }
            return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
        }
        self.init(bytes: bytes)
    }

    /// The path as a string when its bytes are valid UTF-8, else nil.
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    /// True when the bytes are valid UTF-8, i.e. `String` and `URL` can name the file.
    public var isValidUTF8: Bool { string != nil }

    /// A file URL for the path, or nil when the bytes are not valid UTF-8 (a URL would
    /// name a different, non-existent file).
    public var url: URL? { string.map { URL(fileURLWithPath: $0) } }

    /// The path for people: the string itself when it is valid UTF-8; otherwise the valid
    /// parts as text and every byte that is not valid UTF-8 as `\xHH` (upper-case hex).
    /// Not reversible in general (a real backslash is shown as is).
    public var displayString: String {
        if let string { return string }
        var out = ""
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var position = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                out.unicodeScalars.append(Unicode.UTF8.decode(encoded))
                position += encoded.count
            case .error(let length):
                for b in bytes[position..<position + length] { out += String(format: "\\x%02X", b) }
                position += length
            case .emptyInput:
                return out
            }
        }
    }

    public var description: String { displayString }

    /// The file a stored path names: the path's own bytes when such an entry exists, else the
    /// bytes ``displayString`` stands for (each `\xHH` read back as one byte). An index stores
    /// a name that is not UTF-8 as its display string; this finds the file again.
    public static func resolving(stored path: String) -> FileSystemPath {
        let literal = FileSystemPath(path)
        guard path.contains("\\x"), case .failure = FileKind.of(literal, followLinks: false) else { return literal }
        var bytes: [UInt8] = []
        let utf8 = Array(path.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count, utf8[i + 1] == UInt8(ascii: "x"),
               let byte = UInt8(String(decoding: utf8[(i + 2)...(i + 3)], as: UTF8.self), radix: 16) {
                bytes.append(byte)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return FileSystemPath(bytes: bytes)
    }

    /// Whether an entry exists at this path (without following a final symbolic link).
    public var exists: Bool {
        if case .success = FileKind.of(self, followLinks: false) { return true }
        return false
    }

    /// The last component's bytes ("caf\xE9.mp4" of "/v/caf\xE9.mp4"); empty for "/".
    public var lastComponent: [UInt8] {
        let trimmed = bytes.last == UInt8(ascii: "/") ? Array(bytes.dropLast()) : bytes
        guard let slash = trimmed.lastIndex(of: UInt8(ascii: "/")) else { return trimmed }
        return Array(trimmed[(slash + 1)...])
    }

    /// The path with `component` (a single name, raw bytes) appended after a "/".
    public func appending(_ component: [UInt8]) -> FileSystemPath {
        if bytes.isEmpty { return FileSystemPath(bytes: component) }
        return FileSystemPath(bytes: bytes + (bytes.last == UInt8(ascii: "/") ? [] : [UInt8(ascii: "/")]) + component)
    }

    /// Calls `body` with the path as a NUL-terminated C string, for `stat`, `open`,
    /// `opendir` and `avformat_open_input`.
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        let terminated = bytes.map { CChar(bitPattern: $0) } + [0]
        return try terminated.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Byte order (as `ls` sorts with LC_ALL=C).
    public static func < (a: FileSystemPath, b: FileSystemPath) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}

/// What kind of file system entry a path names, from `stat`/`lstat`'s `st_mode`.
public enum FileKind: String, Sendable, Equatable, Codable {
    case regular, directory, fifo, characterDevice, blockDevice, socket, symbolicLink, unknown

    /// The kind of an `st_mode` value.
    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        case S_IFLNK: self = .symbolicLink
        default: self = .unknown
        }
    }

    /// With an article, for messages: "a FIFO (named pipe)", "a character device", ….
    public var phrase: String {
        switch self {
        case .regular: return "a regular file"
        case .directory: return "a directory"
        case .fifo: return "a FIFO (named pipe)"
        case .characterDevice: return "a character device"
        case .blockDevice: return "a block device"
        case .socket: return "a socket"
        case .symbolicLink: return "a symbolic link"
        case .unknown: return "a file of unknown type"
        }
    }

    /// The kind of what `path` names, following symbolic links (`stat`), or the errno of
    /// the failure (ENOENT: missing or a dangling link; ELOOP: a link loop; EACCES, …).
    public static func of(_ path: FileSystemPath, followLinks: Bool = true) -> Result<(FileKind, stat), POSIXError> {
        var st = stat()
        let rc = path.withCString { followLinks ? stat($0, &st) : lstat($0, &st) }
        guard rc == 0 else { return .failure(POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)) }
        return .success((FileKind(mode: st.st_mode), st))
    }
}
