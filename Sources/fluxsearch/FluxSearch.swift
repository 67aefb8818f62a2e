import ArgumentParser
import FluxCore

@main
struct FluxSearch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fluxsearch",
        abstract: "Search your video library by typing a sentence.",
        version: "0.1.0")
}
