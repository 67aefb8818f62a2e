import Foundation
import FluxIndex
import FluxIngest
import FluxQuery
import FluxStore
import Hummingbird
import Logging

/// `fluxsearch serve`: the web page and the JSON API over one index, on Hummingbird.
///
/// For example:
/// ```swift
/// var configuration = ServerConfiguration(index: indexURL, model: modelURL)
/// configuration.port = 8765
/// let server = try FluxServer(configuration: configuration)
/// try await server.application().runService()   // until SIGINT/SIGTERM
/// ```
public final class FluxServer: Sendable {
    public let configuration: ServerConfiguration
    let service: SearchService
    let store: IndexStore
    let assets: WebAssets
    let jobs = JobManager()
    let thumbnails: IndexThumbnails
    let thumbnailPool = WorkPool(label: "fluxsearch.serve.thumbnails", width: 2)

    /// Opens the index and the model (checking they belong together) and finds the web files.
    /// - Throws: ``ServeError``, and what ``FluxQuery/SearchSession/open(index:model:log:)`` throws.
    public init(configuration: ServerConfiguration, assets: URL? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) throws {
        try configuration.validate()
        self.configuration = configuration
        let session = try SearchSession.open(index: configuration.index, model: configuration.model, log: log)
        self.service = SearchService(session: session, maxPending: configuration.maxPendingSearches)
        self.store = try IndexStore.open(at: configuration.index)
        self.assets = try assets.map { WebAssets(directory: $0) } ?? WebAssets.locate()
        self.thumbnails = try IndexThumbnails(index: configuration.index, maxBytes: configuration.thumbnailCacheBytes)
    }

    /// Every route behind the error and (with a token) authentication middleware.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorMiddleware())
        if let token = configuration.token { router.add(middleware: TokenAuthMiddleware(token: token)) }
        StaticRoutes(assets: assets).add(to: router)
        SearchRoutes(service: service, configuration: configuration).add(to: router)
        let media = MediaRoutes(store: store)
        media.add(to: router)
        ThumbnailRoutes(media: media, thumbnails: thumbnails, pool: thumbnailPool).add(to: router)
        IndexRoutes(store: store, configuration: configuration, jobs: jobs).add(to: router)
        return router
    }

    /// The application: it serves until SIGINT or SIGTERM, then stops accepting and finishes
    /// the requests in flight (Hummingbird's graceful shutdown).
    public func application(onStart: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "fluxsearch.serve")
        logger.logLevel = .warning
        return Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "fluxsearch"),
            onServerRunning: { channel in await onStart(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}
