import XCTest
@testable import FluxModels

/// Budget → (frames, size) tables and their validation against the tower's selection rules.
final class FlexiSamplingTests: XCTestCase {
    func testDefaultTableDrawsALargerPool() throws {
        let table = FlexiSamplingTable.tokenOptimized
        try table.validate()
        let expected: [Int: (Int, Int, Int)] = [256: (2, 224, 512), 512: (6, 224, 1536), 1024: (8, 224, 2048),
                                                 2048: (16, 224, 4096), 3072: (24, 224, 6144)]
        for (budget, (frames, size, pool)) in expected {
            let plan = try table.plan(budget: budget)
            XCTAssertEqual([plan.frames, plan.size, plan.pool], [frames, size, pool], "budget \(budget)")
            XCTAssertTrue(plan.selects, "budget \(budget)")
            XCTAssertEqual(plan.frames % 2, 0)
        }
    }

    func testUnmaskedTableIsThePapersRows() throws {
        let table = FlexiSamplingTable.unmasked
        try table.validate()
        for (budget, frames) in [(512, 2), (1024, 4), (2048, 8), (3072, 12)] {
            let plan = try table.plan(budget: budget)
            XCTAssertEqual(plan.frames, frames)
            XCTAssertEqual(plan.pool, budget)
            XCTAssertFalse(plan.selects)
        }
    }

    func testLookupBetweenRows() throws {
        let table = FlexiSamplingTable.tokenOptimized
        XCTAssertEqual(try table.entry(forBudget: 1500).budget, 1024)
        XCTAssertEqual(try table.entry(forBudget: 9999).budget, 3072)
        XCTAssertEqual(try table.entry(forBudget: 100).budget, 256, "below the table: smallest row")
        XCTAssertThrowsError(try table.entry(forBudget: 0)) { XCTAssertEqual($0 as? SamplingError, .invalidBudget(0)) }
        XCTAssertThrowsError(try FlexiSamplingTable(entries: []).entry(forBudget: 512)) {
            XCTAssertEqual($0 as? SamplingError, .emptyTable)
        }
    }

    func testOverridesAreValidated() throws {
        let table = FlexiSamplingTable.tokenOptimized
        let p = try table.plan(budget: 1024, frames: 12, size: 168)
        XCTAssertEqual([p.frames, p.size, p.pool], [12, 168, 12 * 144])
        XCTAssertFalse(try table.plan(budget: 2048, frames: 8).selects, "8×224 = 2048: no selection")
        XCTAssertNoThrow(try table.plan(budget: 2048, frames: 4), "4 frames under budget: no selection, allowed")

        XCTAssertThrowsError(try table.plan(budget: 512, frames: 4)) { error in
            guard case .invalidFrames(4, let reason)? = error as? SamplingError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("use 2 or at least 6 frames"), reason)
        }
        XCTAssertThrowsError(try table.plan(budget: 512, frames: 7)) { error in
            guard case .invalidFrames(7, _)? = error as? SamplingError else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try table.plan(budget: 512, size: 200)) { error in
            XCTAssertEqual((error as? SamplingError)?.description,
                           "invalid frame size: 200 px — use a multiple of the 14-pixel patch, e.g. 196")
        }
    }

    func testCodableUsesSnakeCaseKeys() throws {
        let json = #"{"patch_size": 14, "entries": [{"budget": 1024, "frames": 8, "size": 224}]}"#
        let table = try JSONDecoder().decode(FlexiSamplingTable.self, from: Data(json.utf8))
        XCTAssertEqual(table, FlexiSamplingTable(entries: [.init(budget: 1024, frames: 8, size: 224)]))
        let again = try JSONDecoder().decode(FlexiSamplingTable.self, from: JSONEncoder().encode(FlexiSamplingTable.tokenOptimized))
        XCTAssertEqual(again, .tokenOptimized)
    }
}
