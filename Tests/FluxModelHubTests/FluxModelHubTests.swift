import XCTest
@testable import FluxModelHub

final class FluxModelHubTests: XCTestCase {
    func testModuleLinks() {
        XCTAssertNotNil(FluxModelHub.self)
    }
}
