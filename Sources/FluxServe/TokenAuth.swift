import Foundation
import Hummingbird

/// Checks the bearer token on every request when the server has one: the `Authorization:
/// Bearer …` header, or a `token` query parameter (for `<img>` and `<video>` URLs, which cannot
/// carry headers). Compared in constant time.
struct TokenAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var given = request.uri.queryParameters.get("token")
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            given = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        guard let given, Self.equal(Array(given.utf8), Array(token.utf8)) else {
            throw APIError(.unauthorized, "this server needs its token: send `Authorization: Bearer TOKEN`, or open the page as http://HOST:PORT/#token=TOKEN")
        }
        return try await next(request, context)
    }

    /// Constant-time comparison (the time does not depend on where the bytes differ).
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}
