import ArgumentParser
import Foundation
import FluxServe

/// `fluxsearch serve`: the web page and JSON API over one index.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Search an index from a web browser (and a JSON API).",
        discussion: """
        Opens http://127.0.0.1:8765 with a search box, the token-budget dial, filters, a grid \
        of results with thumbnails and hover previews, and a player that starts at the \
        matching moment. The JSON API (same keys as `query --json`) is described at \
        /api/openapi.json.

        The server binds to loopback by default. Binding to any other address requires \
        --token: every request must then carry `Authorization: Bearer TOKEN` (open the page \
        as http://HOST:PORT/#token=TOKEN). Only files in the index are ever served, by id.

        --allow-index DIR lets the page start indexing jobs inside DIR (progress is streamed \
        as server-sent events). Ctrl-C (or SIGTERM) stops the server after the requests in \
        flight.

        Examples:
          fluxsearch serve
          fluxsearch serve --index holiday --port 9000
          fluxsearch serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
        """)

    @OptionGroup var indexOptions: IndexOptions
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var runtime: RuntimeOptions

    @Option(help: "Address to listen on (loopback by default; anything else needs --token).")
    var host = "127.0.0.1"

    @Option(help: "TCP port.")
    var port = 8765

    @Option(help: ArgumentHelp("Bearer token every request must carry (at least 8 characters).", valueName: "secret"))
    var token: String?

    @Option(help: ArgumentHelp("A folder the web page may index (repeatable).", valueName: "dir"), completion: .directory)
    var allowIndex: [String] = []

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("--port must be between 1 and 65535.") }
    }

    func run() throws {
        runtime.apply(.latency)
        var configuration = ServerConfiguration(index: indexOptions.url, model: try modelOptions.url(forIndex: indexOptions.url))
        configuration.host = host
        configuration.port = port
        configuration.token = token
        configuration.indexableFolders = allowIndex.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) }
        do { try configuration.validate() } catch { throw ValidationError("\(error)") }
        let server = try FluxServer(configuration: configuration, log: { warn($0) })
        let host = self.host
        let indexPath = configuration.index.path
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        Task {
            do {
                try await server.application(onStart: { port in
                    note("serving \(indexPath) at http://\(host.contains(":") ? "[\(host)]" : host):\(port)/ — Ctrl-C stops")
                }).runService()
            } catch {
                failure = error
            }
            done.signal()
        }
        done.wait()
        if let failure { throw failure }
    }
}
