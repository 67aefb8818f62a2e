import Foundation

/// A model's own sampling table: `<model>/sampling.json`, written by `fluxsearch tune` (the
/// Token Optimization search) and preferred over ``FlexiSamplingTable/tokenOptimized`` when
/// present.
///
/// The file is the table's Codable form, for example:
/// ```json
/// {"entries": [{"budget": 1024, "frames": 10, "size": 196}], "patch_size": 14}
/// ```
///
/// For example, the `index` command's choice of table:
/// ```swift
/// let table = try FlexiSamplingTable.load(modelDirectory: model.url) ?? .tokenOptimized
/// ```
extension FlexiSamplingTable {
    /// File name of a model's sampling table inside its directory.
    public static let modelFileName = "sampling.json"

    /// `<modelDirectory>/sampling.json`.
    public static func modelFileURL(modelDirectory: URL) -> URL {
        modelDirectory.appendingPathComponent(modelFileName)
    }

    /// The model's sampling table, or nil when the model has no `sampling.json`.
    /// - Throws: ``SamplingTableFileError`` when the file exists but cannot be read, is not a
    ///   table, or has a row the vision tower cannot encode (``validate()``).
    public static func load(modelDirectory: URL) throws -> FlexiSamplingTable? {
        let url = modelFileURL(modelDirectory: modelDirectory)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SamplingTableFileError(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let table: FlexiSamplingTable
        do { table = try JSONDecoder().decode(FlexiSamplingTable.self, from: data) } catch {
            throw SamplingTableFileError(
                path: url.path,
                reason: "not a sampling table (expected {\"patch_size\": 14, \"entries\": [{\"budget\": …, \"frames\": …, \"size\": …}]}): \(error)")
        }
        do { try table.validate() } catch {
            throw SamplingTableFileError(path: url.path, reason: "\(error)")
        }
        return table
    }

    /// Writes this table to `<modelDirectory>/sampling.json` (pretty, sorted keys, rows by
    /// budget), atomically.
    public func write(modelDirectory: URL) throws {
        var sorted = self
        sorted.entries.sort { $0.budget < $1.budget }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = Self.modelFileURL(modelDirectory: modelDirectory)
        do { try encoder.encode(sorted).write(to: url, options: .atomic) } catch {
            throw SamplingTableFileError(path: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    /// This table with `entry` as the row of its budget (replacing an existing row of that budget).
    public func replacing(_ entry: Entry) -> FlexiSamplingTable {
        var out = self
        out.entries.removeAll { $0.budget == entry.budget }
        out.entries.append(entry)
        out.entries.sort { $0.budget < $1.budget }
        return out
    }
}

/// A model's `sampling.json` that cannot be used: what is wrong and where.
public struct SamplingTableFileError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        "\(path): \(reason) — fix or delete the file (`fluxsearch tune` writes it)"
    }

    public var errorDescription: String? { description }
}
