import Foundation
import Hummingbird

/// The web page (`/`, `/static/…`) and the OpenAPI document, from the resources that ship
/// beside the binary. Only the named files are served: no directory listing, no paths.
struct StaticRoutes: Sendable {
    let assets: WebAssets

    func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/") { _, _ in try self.serve("web/index.html", type: "text/html; charset=utf-8") }
        router.get("static/app.js") { _, _ in try self.serve("web/app.js", type: "text/javascript; charset=utf-8") }
        router.get("static/app.css") { _, _ in try self.serve("web/app.css", type: "text/css; charset=utf-8") }
        router.get("api/openapi.json") { _, _ in try self.serve("openapi.json", type: "application/json; charset=utf-8") }
    }

    func serve(_ name: String, type: String) throws -> Response {
        let data = try assets.data(name)
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-cache"
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The files of `Sources/FluxServe/Resources`, read once. SwiftPM copies them into
/// `fluxsearch_FluxServe.resources` beside the binary; `Bundle.module` would stop the process
/// when that folder is missing, so it is looked up by hand and a missing file is an error.
final class WebAssets: @unchecked Sendable {
    let directory: URL
    private let lock = NSLock()
    private var cache: [String: Data] = [:]

    init(directory: URL) { self.directory = directory }

    /// The resources folder beside the running binary (or `FLUXSEARCH_WEB_ASSETS`).
    static func locate() throws -> WebAssets {
        if let override = ProcessInfo.processInfo.environment["FLUXSEARCH_WEB_ASSETS"] {
            return WebAssets(directory: URL(fileURLWithPath: override))
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [executable, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        // Test runners live in a .xctest bundle inside the build folder.
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().deletingLastPathComponent())
        for base in candidates {
            // `.copy("Resources")` keeps the folder's name inside the bundle.
            let dir = base.appendingPathComponent("fluxsearch_FluxServe.resources/Resources")
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("openapi.json").path) { return WebAssets(directory: dir) }
        }
        throw ServeError.missingAssets(path: executable.appendingPathComponent("fluxsearch_FluxServe.resources").path)
    }

    func data(_ name: String) throws -> Data {
        if let d = lock.withLock({ cache[name] }) { return d }
        guard let d = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
            throw APIError(.internalServerError, ServeError.missingAssets(path: directory.path).description)
        }
        lock.withLock { cache[name] = d }
        return d
    }
}
