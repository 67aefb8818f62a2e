import Foundation
import FluxQuery
import Hummingbird

/// `/api/search` and `/api/similar/{clip_id}`: the same document as `query --json`, through
/// the same ``FluxQuery/SearchSession``.
struct SearchRoutes: Sendable {
    let service: SearchService
    let configuration: ServerConfiguration

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("api/search") { request, _ in
            let p = SearchParameters(parameters: request.uri.queryParameters, configuration: self.configuration)
            let text = try p.queryText()
            let options = try p.searchOptions()
            return try JSONCoding.response(try await self.service.search(.text(text), options: options))
        }
        router.get("api/similar/:id") { request, context in
            let id = try MediaRoutes.id(context)
            let p = SearchParameters(parameters: request.uri.queryParameters, configuration: self.configuration)
            let options = try p.commonOptions()
            let includeSame = try p.bool("include_same_video") ?? false
            return try JSONCoding.response(try await self.service.search(.similar(.clip(id), includeSameVideo: includeSame), options: options))
        }
    }
}
