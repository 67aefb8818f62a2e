import ArgumentParser
import Foundation
import FluxQuery
import FluxStore

/// The filters of `query` and `similar`: which videos may answer (path, recording date,
/// duration, clip kind). They are applied inside the vector search.
struct FilterOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only videos under this folder or file, or matching this glob (repeatable: any of them).", valueName: "prefix|glob"), completion: .file())
    var path: [String] = []

    @Option(help: ArgumentHelp("Only videos recorded at or after this date (YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM]; local time by default).", valueName: "date"))
    var after: String?

    @Option(help: ArgumentHelp("Only videos recorded before this date.", valueName: "date"))
    var before: String?

    @Option(help: ArgumentHelp("Only videos at least this long, seconds.", valueName: "s"))
    var minDuration: Double?

    @Option(help: ArgumentHelp("Only videos at most this long, seconds.", valueName: "s"))
    var maxDuration: Double?

    @Option(help: "Only whole-video vectors (video) or only segments (segment).")
    var kind: Clip.Kind?

    func validate() throws { _ = try filter() }

    /// The filter options as one ``ClipFilter`` (paths made absolute against the working folder).
    func filter() throws -> ClipFilter {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var filter = ClipFilter()
        for p in path {
            guard !p.isEmpty else { throw ValidationError("--path is empty; give a folder, a file or a glob such as '*.mp4'.") }
            filter.paths.append(ClipFilter.PathPattern(parsing: (p as NSString).expandingTildeInPath, relativeTo: cwd))
        }
        do {
            filter.after = try after.map { try FilterDate.parse($0, option: "--after") }
            filter.before = try before.map { try FilterDate.parse($0, option: "--before") }
            filter.minDuration = minDuration
            filter.maxDuration = maxDuration
            filter.kind = kind
            try filter.validate()
        } catch let e as FilterDateError {
            throw ValidationError(e.description)
        } catch let e as ClipFilterError {
            throw ValidationError(e.description)
        }
        return filter
    }
}

extension Clip.Kind: ExpressibleByArgument {}
