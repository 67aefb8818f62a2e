import ArgumentParser
import Foundation
import FluxModels

/// `fluxsearch dev …`: developer tools, hidden from the main help.
struct DevCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Developer tools (tests, smoke runs).",
        shouldDisplay: false,
        subcommands: [RandomModel.self])

    struct RandomModel: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "random-model",
            abstract: "Write a tiny random-weight model (both towers, real tokenizer vocabulary). It ranks nothing meaningfully.")

        @Option(help: ArgumentHelp("Model directory to create.", valueName: "dir"))
        var output: String

        @Option(help: "Seed of the random weights.")
        var seed: UInt64 = 1

        func run() throws {
            let dir = try ModelDirectory.writeRandom(to: URL(fileURLWithPath: output), configuration: ModelDirectory.tinyConfiguration, seed: seed)
            out("wrote \(dir.url.path) (\(dir.configuration.name), weights \(try dir.weightHash()))")
        }
    }
}
