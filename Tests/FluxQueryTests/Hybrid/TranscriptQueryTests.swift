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

    func testCommonTermsAreDroppedWhileRarerOnesRemain() {
        let q = TranscriptQuery("people talking about the harvest")
        XCTAssertEqual(q.terms, ["people", "talking", "harvest"])
        // 1,000 cues: "people" in 400 (40 %), "talking" in 100 (10 %: not more), "harvest" in 3.
        let pruned = q.droppingCommonTerms(counts: [400, 100, 3], total: 1000)
        XCTAssertEqual(pruned.terms, ["talking", "harvest"])
        XCTAssertEqual(pruned.dropped, ["people"])
        XCTAssertEqual(pruned.ftsExpression, #""talking" OR "harvest""#)
        // All common: nothing is dropped.
        XCTAssertEqual(q.droppingCommonTerms(counts: [400, 500, 300], total: 1000).terms, q.terms)
    }
}
