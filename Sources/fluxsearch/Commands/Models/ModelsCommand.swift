import ArgumentParser

/// `fluxsearch models …`: install, list and choose the models fluxsearch encodes with.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Install real models (pull or import official files), list them, choose the default.",
        discussion: """
        Installed models live in the models folder: $FLUXSEARCH_CACHE/models, else \
        ~/.cache/fluxsearch/models. Every command's --model takes an installed model's name \
        as well as a model directory.
        """,
        subcommands: [List.self, Pull.self, Import.self, Default.self, Remove.self])
}
