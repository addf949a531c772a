import Foundation
import Testing

@testable import Conduit

/// response_fields keeps exactly the named fields, through nested objects and arrays.
@Suite struct FieldSelectionTests {
    let record: JSONValue = try! JSONValue.parse(
        #"{"id": 7, "title": "Kickoff", "secret_notes": "x", "participants": [{"email": "a@x", "name": "A"}, {"email": "b@x", "name": "B"}], "owner": {"id": 1, "name": "O"}}"#)

    @Test func dottedPathsReachIntoObjectsAndEachArrayElement() throws {
        let selection = try #require(FieldSelection(["id", "participants.email", "owner.name"]))
        #expect(selection.apply(to: record) == (try JSONValue.parse(
            #"{"id": 7, "participants": [{"email": "a@x"}, {"email": "b@x"}], "owner": {"name": "O"}}"#)))
    }

    @Test func aCommaListAndAWholeFieldAfterItsPartsBothWork() throws {
        let selection = try #require(FieldSelection(["title, owner.id", "owner"]))
        #expect(selection.apply(to: record) == (try JSONValue.parse(#"{"title": "Kickoff", "owner": {"id": 1, "name": "O"}}"#)))
        #expect(FieldSelection([]) == nil && FieldSelection([" ", ","]) == nil)
    }

    @Test func recordsAtTheResultsPathAreNarrowedAndTheRestOfThePageKept() throws {
        let page = try JSONValue.parse(#"{"records": {"items": [{"id": 1, "x": 2}, {"id": 3, "x": 4}]}, "cursor": "c2"}"#)
        let selection = try #require(FieldSelection(["id"]))
        #expect(selection.applyToRecords(in: page, at: [JSONPath("records.missing"), JSONPath("records.items")]) == (try JSONValue.parse(
            #"{"records": {"items": [{"id": 1}, {"id": 3}]}, "cursor": "c2"}"#)))
    }
}
