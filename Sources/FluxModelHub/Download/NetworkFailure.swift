import Foundation
import AsyncHTTPClient
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sorts transport errors into the two cases the user can act on differently.
enum NetworkFailure {
    /// The host could not be reached at all: no network, DNS failure, refused, connect timeout.
    case unreachable(reason: String)
    /// The connection was made but broke or stalled during the transfer.
    case dropped(reason: String)

    /// nil for errors that are not transport failures (ours, cancellation, …).
    static func classify(_ error: Error) -> NetworkFailure? {
        if let error = error as? NIOConnectionError {
            if let dns = error.dnsAError ?? error.dnsAAAAError {
                return .unreachable(reason: "cannot resolve \(error.host): \(describe(dns))")
            }
            let reasons = error.connectionErrors.map { describe($0.error) }
            return .unreachable(reason: reasons.first.map { "connection to \(error.host):\(error.port) failed: \($0)" } ?? "connection to \(error.host):\(error.port) failed")
        }
        if let error = error as? SocketAddressError {
            return .unreachable(reason: "cannot resolve the host name (\(error))")
        }
        if let error = error as? IOError {
            let code = error.errnoCode
            switch code {
            case ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL:
                return .unreachable(reason: FileSystemOps.errnoText(code))
            default:
                return .dropped(reason: FileSystemOps.errnoText(code))
            }
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return .unreachable(reason: "connection timed out")
            default: return .dropped(reason: "\(error)")
            }
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout, .tlsHandshakeTimeout:
                return .unreachable(reason: "connection timed out")
            case .readTimeout: return .dropped(reason: "no data received for too long")
            case .writeTimeout: return .dropped(reason: "the server stopped accepting data")
            case .remoteConnectionClosed: return .dropped(reason: "the server closed the connection")
            case .deadlineExceeded: return .dropped(reason: "the transfer took too long")
            case .bodyLengthMismatch: return .dropped(reason: "the body ended early")
            default: return nil
            }
        }
        // TLS and HTTP/2 errors from other modules: treat as a broken transfer, keep the text.
        let typeName = String(reflecting: type(of: error))
        if typeName.hasPrefix("NIOSSL.") || typeName.hasPrefix("NIOHTTP2.") || typeName.hasPrefix("NIOHTTP1.") {
            return .dropped(reason: "\(error)")
        }
        return nil
    }

    private static func describe(_ error: Error) -> String {
        if let io = error as? IOError { return FileSystemOps.errnoText(io.errnoCode) }
        if let c = error as? ChannelError, case .connectTimeout = c { return "connection timed out" }
        return "\(error)"
    }
}
