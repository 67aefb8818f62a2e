/// FluxModelHub: installed models (the models folder under the user's cache folder), the
/// registry of known models, and resumable, verified downloads of their files.
///
/// Data flow: FluxModels (checkpoint import, model directories) → FluxModelHub → the CLI.
///
/// - ``ModelLibrary``: the models folder — list, default, remove, resolve `--model`, install.
/// - ``ModelRegistry``: the static table of known models and where their files live.
/// - ``ModelDownloader``: one file, resumed with `Range`, verified by SHA-256.
/// - ``ModelPull``: all files of a registry entry, handed to the importer by role.
public enum FluxModelHub {}
