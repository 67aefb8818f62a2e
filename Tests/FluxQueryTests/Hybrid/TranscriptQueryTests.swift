import XCTest
@testable import FluxQuery

final class TranscriptQueryTests: XCTestCase {
    func testWordsStopWordsAndQuoting() {
        XCTAssertEqual(TranscriptQuery("A man is baking the bread").terms, ["man", "baking", "bread"])
        XCTAssertEqual(TranscriptQuery("the bread, THE BREAD!").terms, ["bread"])
        XCTAssertEqual(TranscriptQuery("don't stop").terms, ["don't", "stop"])
        // Only stop words: keep them rather than search nothing.
        XCTAssertEqual(TranscriptQuery("to be or not to be").terms, ["to", "be", "or", "not"])
        XCTAssertEqual(TranscriptQuery("café naïve 東京").terms, ["café", "naïve", "東京"])
        XCTAssertNil(TranscriptQuery("  ?! ").ftsExpression)
        // FTS5 syntax in the query is only text.
        XCTAssertEqual(TranscriptQuery(#"NEAR(eggs "bread") AND x*"#).ftsExpression, #""near" OR "eggs" OR "bread" OR "x""#)
    }
}
