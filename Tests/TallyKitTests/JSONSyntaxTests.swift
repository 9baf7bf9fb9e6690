import Foundation
import Testing
@testable import TallyKit

/// Where JSON text stops being valid: the line and column a person editing a map or job file needs.
@Suite struct JSONSyntaxTests {
    func problem(_ text: String) -> JSONSyntax.Problem? { JSONSyntax.firstProblem(in: Array(text.utf8)) }

    @Test(arguments: [
        "{}", "[]", "{\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\"]}", "  {\"a\": {\"b\": []}}\n",
        "{\"a\": 1,}", "[1, 2,]",  // Foundation's decoder takes a trailing comma, so it is not the problem
        "\u{FEFF}{}",
    ])
    func validTextHasNoProblem(_ text: String) {
        #expect(problem(text) == nil, "\(text)")
    }

    @Test(arguments: [
        ("{\n  \"a\" 1\n}", 2, 7, "expected ':' after the key, found '1'"),
        ("{\"a\": 1 \"b\": 2}", 1, 9, "expected ',' or '}' after a value, found '\"'"),
        ("[1, 2", 1, 6, "the file ends inside a list (a ']' is missing)"),
        ("{\"a\": 1", 1, 8, "the file ends inside an object (a '}' is missing)"),
        ("{\"a\": 1,", 1, 9, "the file ends inside an object"),
        ("[1 2]", 1, 4, "expected ',' or ']' after a value, found '2'"),
        ("[1,\n 2}", 2, 3, "expected ',' or ']' after a value, found '}'"),
        ("{\"a\": 'x'}", 1, 7, "unexpected \"'\" where a value was expected (JSON strings take double quotes)"),
        ("{\"a\": tru}", 1, 7, "expected 'true'"),
        ("{\"a\": \"open\n}", 1, 12, "a line break inside a string (is a closing '\"' missing?)"),
        ("{a: 1}", 1, 2, "expected a key in double quotes, found 'a'"),
        ("{} x", 1, 4, "unexpected 'x' after the end of the JSON value"),
        ("{\"é\": 01}", 1, 8, "expected ',' or '}' after a value, found '1'"),  // columns count characters, not bytes
        ("", 1, 1, "the file ends where a value was expected"),
    ])
    func aProblemIsPlacedByLineAndColumn(_ text: String, _ line: Int, _ column: Int, _ message: String) throws {
        let found = try #require(problem(text), "\(text)")
        #expect(found == JSONSyntax.Problem(line: line, column: column, message: message), "\(text): \(found)")
    }

    @Test func everyTextFoundationRefusesHasAProblem() {
        for text in ["{", "}", "[1 2]", "{\"a\":}", "nul", "\"\\q\"", "[-]", "1.", "{\"a\" : [}"] {
            let decodes = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil
            #expect(!decodes && problem(text) != nil, "\(text)")
        }
    }
}
