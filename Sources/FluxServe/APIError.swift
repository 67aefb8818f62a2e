import Foundation
import FluxModels
import FluxQuery
import FluxStore
import Hummingbird

/// A JSON error response: `{"error": {"status": 404, "message": "…"}}`. Every failure the API
/// reports has this shape; the message says what failed and what to do, never a stack trace.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public let status: HTTPResponse.Status
    public let message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONCoding.encoder.encode(ErrorBody(error: .init(status: status.code, message: message)))
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The API's view of an error thrown by the library: bad input is 400, a missing thing 404,
    /// anything else 500 with its message (never the Swift type dump).
    public static func from(_ error: Error) -> APIError {
        switch error {
        case let e as APIError: return e
        case let e as QueryError:
            switch e {
            case .unknownClip, .exampleNotFound: return APIError(.notFound, e.description)
            default: return APIError(.badRequest, e.description)
            }
        case let e as ClipFilterError: return APIError(.badRequest, e.description)
        case let e as FilterDateError: return APIError(.badRequest, e.description)
        // A budget the model cannot sample (tokens, refine_tokens) is the request's fault.
        case let e as SamplingError: return APIError(.badRequest, "\(e)")
        case let e as HTTPError:
            return APIError(e.status, e.body ?? e.status.reasonPhrase)
        default:
            return APIError(.internalServerError, "\(error)")
        }
    }
}

/// `{"error": {"status": …, "message": …}}`.
struct ErrorBody: Encodable {
    let error: Inner
    struct Inner: Encodable { let status: Int; let message: String }
}

/// Turns every error a route throws into an ``APIError`` response.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw APIError.from(error)
        }
    }
}

/// The JSON settings of every response: the keys of `query --json`, sorted, slashes unescaped.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }()

    /// `value` as an `application/json` response.
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
