import Foundation
import XCTest
@testable import FluxIngest

/// Committed fixtures: Tests/FluxIngestTests/Fixtures/<group>/<name>.npy.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ group: String, _ name: String) -> URL {
        root.appendingPathComponent(group).appendingPathComponent(name)
    }

    /// A `.npy` file of dtype uint8 (`|u1`) or int64 (`<i8`), C order: shape and values as Ints.
    static func npy(_ group: String, _ name: String) throws -> (shape: [Int], values: [Int]) {
        let data = [UInt8](try Data(contentsOf: url(group, name + ".npy")))
        guard data.count > 10, data[0] == 0x93, String(decoding: data[1..<6], as: UTF8.self) == "NUMPY" else {
            throw NSError(domain: "Fixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(name).npy is not a .npy file"])
        }
        let headerLength = data[6] == 1 ? Int(data[8]) | Int(data[9]) << 8
            : Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
        let start = data[6] == 1 ? 10 : 12
        let header = String(decoding: data[start..<(start + headerLength)], as: UTF8.self)
        guard !header.contains("'fortran_order': True") else { throw NSError(domain: "Fixtures", code: 2) }
        let shapeText = header.components(separatedBy: "'shape': (")[1].components(separatedBy: ")")[0]
        let shape = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let body = data[(start + headerLength)...]
        if header.contains("'|u1'") {
            return (shape, body.map { Int($0) })
        }
        guard header.contains("'<i8'") else { throw NSError(domain: "Fixtures", code: 3) }
        var values: [Int] = []
        var it = body.startIndex
        while it + 8 <= body.endIndex {
            var v: UInt64 = 0
            for b in 0..<8 { v |= UInt64(body[it + b]) << (8 * UInt64(b)) }
            values.append(Int(Int64(bitPattern: v)))
            it += 8
        }
        return (shape, values)
    }
}

/// The frame number N a counter-clip picture shows (grey luma 16 + 7·N, BT.601 limited range,
/// so R = G = B ≈ 7·N·255/219), read from the central quarter.
func frameNumber(_ image: RGBImage) -> Int {
    let level = image.meanLevel(x: (image.width / 4)..<(3 * image.width / 4), y: (image.height / 4)..<(3 * image.height / 4))
    return Int((level / (7.0 * 255.0 / 219.0)).rounded())
}

/// Asserts that `body` throws a ``DecodeError`` matching `predicate`.
func assertDecodeError<T>(_ body: @autoclosure () throws -> T, _ label: String = "",
                          file: StaticString = #filePath, line: UInt = #line,
                          _ predicate: (DecodeError) -> Bool) {
    do {
        _ = try body()
        XCTFail("\(label): expected a DecodeError, got a value", file: file, line: line)
    } catch let error as DecodeError {
        XCTAssertTrue(predicate(error), "\(label): unexpected error \(error)", file: file, line: line)
    } catch {
        XCTFail("\(label): expected a DecodeError, got \(error)", file: file, line: line)
    }
}
