import ArgumentParser
import Foundation
import FluxIndex
import FluxQuery

/// `fluxsearch bank add|list|clear`: the captions that dual-softmax reranking compares each
/// query against.
struct BankCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank",
        abstract: "Manage an index's query bank (captions used by dual-softmax reranking).",
        discussion: "The bank stands in for 'all other queries' of the evaluation's dual softmax: a video that matches many bank captions as well as your query is ranked down. A few hundred varied captions of the kind of footage you index work well.",
        subcommands: [Add.self, List.self, Clear.self])
}

extension BankCommand {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add captions from a file: one per line, a VINDLU-style JSON list, or a CSV with a 'sentence' column.")

        @OptionGroup var indexOptions: IndexOptions
        @OptionGroup var modelOptions: ModelOptions
        @OptionGroup var runtime: RuntimeOptions

        @Option(help: ArgumentHelp("Caption file.", valueName: "file"), completion: .file())
        var from: String

        func run() throws {
            runtime.apply()
            // The session refuses an index built with another model, whose bank vectors would
            // not be comparable with its clips.
            let session = try SearchSession.open(index: indexOptions.url, model: try modelOptions.url(forIndex: indexOptions.url), log: { warn($0) })
            let captions = try CaptionFile.read(URL(fileURLWithPath: from))
            let (added, size) = try session.addToBank(captions, source: URL(fileURLWithPath: from).lastPathComponent)
            out("added \(added) new caption(s) of \(captions.count) read; the bank holds \(size)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the bank's captions.")
        @OptionGroup var indexOptions: IndexOptions
        @OptionGroup var output: OutputOptions

        struct Entry: Encodable { let text: String; let source: String; let encoded: Bool }

        func run() throws {
            let entries = try IndexMaintenance.bankEntries(index: indexOptions.url)
            if output.json {
                return try printJSON(entries.map { Entry(text: $0.text, source: $0.source, encoded: $0.embedding != nil) })
            }
            for e in entries { out(e.text) }
            note("\(entries.count) caption(s)")
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every caption from the bank (queries then rank by plain cosine).")
        @OptionGroup var indexOptions: IndexOptions

        func run() throws {
            out("removed \(try IndexMaintenance.clearBank(index: indexOptions.url)) caption(s)")
        }
    }
}
