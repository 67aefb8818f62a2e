import ArgumentParser
import Foundation
import FluxIndex

/// `fluxsearch remove PATH...`
struct RemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove files (or every file under a folder) from an index.")

    @OptionGroup var indexOptions: IndexOptions

    @Argument(help: ArgumentHelp("Files or folders to remove.", valueName: "path"), completion: .file())
    var paths: [String]

    func validate() throws {
        if paths.isEmpty { throw ValidationError("Name at least one file or folder to remove.") }
    }

    func run() throws {
        let removed = try IndexMaintenance.remove(paths: paths, index: indexOptions.url)
        out("removed \(removed) video(s) from \(indexOptions.url.path)")
        if removed == 0 { warn("nothing in the index matched \(paths.joined(separator: ", "))") }
    }
}

/// `fluxsearch reindex --rebuild-faiss`
struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the derived FAISS files from the SQLite store.",
        discussion: "SQLite is the source of truth; the FAISS file of each budget is derived from it and normally kept current automatically. Use this after changing --faiss or if a FAISS file was damaged.")

    @OptionGroup var indexOptions: IndexOptions

    @Flag(help: "Rebuild every budget's FAISS file from the stored vectors (required).")
    var rebuildFaiss = false

    @Option(help: ArgumentHelp("Switch the FAISS index type first, e.g. Flat, IVF256,SQ8 or IVF4096,PQ64.", valueName: "factory"))
    var faiss: String?

    @Option(help: ArgumentHelp("IVF lists scanned per query, stored with the index (default: an eighth of the lists, at least 8).", valueName: "n"))
    var nprobe: Int?

    func validate() throws {
        guard rebuildFaiss else { throw ValidationError("Nothing to do: pass --rebuild-faiss.") }
    }

    func run() throws {
        let (budgets, seconds) = try IndexMaintenance.rebuildFaiss(index: indexOptions.url, factory: faiss, nprobe: nprobe,
                                                                   log: { warn($0) })
        out("rebuilt FAISS files for budgets \(budgets.map(String.init).joined(separator: ", ")) in \(String(format: "%.2f", seconds)) s")
    }
}
