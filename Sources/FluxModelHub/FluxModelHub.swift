/// FluxModelHub: installed models (the models folder under the user's cache folder), the
/// registry of known models, and resumable, verified downloads of their files.
///
/// Data flow: FluxModels (checkpoint import, model directories) → FluxModelHub → the CLI.
public enum FluxModelHub {}
