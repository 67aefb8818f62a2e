import ArgumentParser
import Foundation
import FluxModels
import FluxModelHub

extension ModelsCommand {
    /// `fluxsearch models pull NAME`: download a known model's files and import them.
    struct Pull: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pull",
            abstract: "Download a known model (resumable, SHA-256 verified) and install it.",
            discussion: """
            Known models: \(ModelRegistry.entries.map(\.name).joined(separator: ", ")) (see `fluxsearch models list`). \
            An interrupted pull resumes where it stopped. Set HF_TOKEN when Hugging Face asks \
            you to accept a licence, HF_ENDPOINT for a Hugging Face mirror, and \
            FLUXSEARCH_DOWNLOAD_MIRROR=http://host:port for the other files. Without network, \
            copy the files from elsewhere and use `fluxsearch models import`.
            """)

        @Argument(help: ArgumentHelp("A known model's name.", valueName: "name"))
        var name: String

        @Option(help: ArgumentHelp("Install it under another name.", valueName: "name"))
        var `as`: String?

        @Flag(help: "Replace an installed model of the same name.")
        var replace = false

        @OptionGroup var outputOptions: OutputOptions

        func validate() throws {
            if let other = `as`, let problem = ModelName.problem(with: other) {
                throw ValidationError("--as '\(other)' cannot name a model: \(problem).")
            }
        }

        func run() throws {
            let entry = try ModelRegistry.pullableEntry(named: name)
            let bar = DownloadBar()
            let result = try ModelInstaller.pull(entry, as: `as`, pull: try ModelPull(), replace: replace,
                                                 progress: { bar.update($0) }, log: { note($0) })
            bar.finish()
            let report = result.report
            if outputOptions.json {
                try printJSON(PulledModelJSON(report, name: `as` ?? entry.name, files: result.files))
                return
            }
            out("installed \(`as` ?? entry.name) → \(report.directory.path)")
            out("  " + ModelSummary.describe(report.configuration))
            for role in ModelFileRole.allCases {
                guard let f = result.files.files[role] else { continue }
                out("  \(role.rawValue): \(f.url.lastPathComponent), \(ByteCountText.format(f.bytes)), sha256 \(f.sha256.prefix(16))… (\(f.verification.rawValue)\(f.reused ? ", already downloaded" : ""))")
            }
        }
    }

    /// `fluxsearch models list`: installed models and the ones that can be pulled.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List installed models (towers, budgets, size, weight hash, default) and the known models.")

        @OptionGroup var outputOptions: OutputOptions

        func run() throws {
            let library = ModelLibrary()
            let installed = try library.installed()
            let rows = installed.map { ModelListJSON.Installed($0) }
            let known = ModelRegistry.entries.map { e in ModelListJSON.Known(e, installed: installed.contains { $0.name == e.name }) }
            if outputOptions.json {
                try printJSON(ModelListJSON(folder: library.folder.path, installed: rows, known: known))
                return
            }
            out("Installed (\(library.folder.path)):")
            if rows.isEmpty { out("  none yet — `fluxsearch models pull iv2-clip-s14`, or `fluxsearch models import FILE...`") }
            for m in installed {
                let mark = m.isDefault ? "*" : " "
                if let c = m.configuration, let row = rows.first(where: { $0.name == m.name }) {
                    out(" \(mark) \(pad(m.name, 16)) \(pad(ByteCountText.format(m.sizeBytes), 10)) \(pad(row.weightHash ?? "-", 21))\(ModelSummary.describe(c))"
                        + ((c.text == nil) ? " · video-to-video only" : ""))
                } else {
                    out(" \(mark) \(pad(m.name, 16)) broken: \(m.brokenReason ?? "unreadable")")
                }
            }
            out("Known:")
            for k in ModelRegistry.entries {
                let how = k.isPullable ? "pull" : "import only"
                let here = installed.contains { $0.name == k.name } ? " (installed)" : ""
                out("   \(pad(k.name, 16)) \(pad(how, 12)) \(k.summary)\(here)")
            }
            if installed.contains(where: \.isDefault) { out("* = the default (`fluxsearch models default NAME`)") }
        }
    }

    /// `fluxsearch models default NAME`.
    struct Default: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "default",
            abstract: "Choose the installed model commands use when no --model is given (no name: show it).")

        @Argument(help: ArgumentHelp("An installed model's name.", valueName: "name"))
        var name: String?

        func run() throws {
            let library = ModelLibrary()
            guard let name else {
                out(library.defaultModelName ?? "no default installed model (the demo model Corpus/models/demo is used)")
                return
            }
            _ = try library.resolve(name)
            guard library.contains(name) else { throw CommandFailure("'\(name)' is a folder, not an installed model; install it with `fluxsearch models import` first") }
            try library.setDefault(name)
            out("default model: \(name)")
        }
    }

    /// `fluxsearch models remove NAME`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Delete an installed model (indexes built with it keep working only if it is installed again).")

        @Argument(help: ArgumentHelp("An installed model's name.", valueName: "name"))
        var name: String

        func run() throws {
            let library = ModelLibrary()
            try library.remove(name)
            out("removed \(name)")
        }
    }
}

/// `models list --json`.
struct ModelListJSON: Encodable {
    struct Installed: Encodable {
        let name: String
        let path: String
        let isDefault: Bool
        let sizeBytes: Int64
        let weightHash: String?
        let textAligned: Bool?
        let projectorBudgets: [Int]?
        let configuration: ModelConfiguration?
        let broken: String?

        init(_ m: InstalledModel) {
            name = m.name
            path = m.url.path
            isDefault = m.isDefault
            sizeBytes = m.sizeBytes
            configuration = m.configuration
            weightHash = m.configuration == nil ? nil : (try? ModelDirectory(m.url).weightHash())
            textAligned = m.configuration.map { $0.text != nil }
            projectorBudgets = m.configuration?.vision?.projectorBudgets
            broken = m.brokenReason
        }

        enum CodingKeys: String, CodingKey {
            case name, path, configuration, broken
            case isDefault = "default", sizeBytes = "size_bytes", weightHash = "weight_hash"
            case textAligned = "text_aligned", projectorBudgets = "projector_budgets"
        }
    }

    struct Known: Encodable {
        let name: String
        let summary: String
        let textAligned: Bool
        let pullable: Bool
        let installed: Bool
        let terms: String

        init(_ e: ModelRegistryEntry, installed: Bool) {
            name = e.name
            summary = e.summary
            textAligned = e.textAligned
            pullable = e.isPullable
            self.installed = installed
            terms = e.termsURL.absoluteString
        }

        enum CodingKeys: String, CodingKey {
            case name, summary, pullable, installed, terms
            case textAligned = "text_aligned"
        }
    }

    let folder: String
    let installed: [Installed]
    let known: [Known]
}

/// `models pull --json`.
struct PulledModelJSON: Encodable {
    let model: ImportedModelJSON
    let files: [DownloadedFile]

    init(_ r: CheckpointImportReport, name: String, files: PulledModel) {
        model = ImportedModelJSON(r, name: name)
        self.files = ModelFileRole.allCases.compactMap { files.files[$0] }
    }
}
