import Foundation
import TallyStore
import TestSupport
import Testing
@testable import TallyKit

/// The store's failures carry their cause whole (NIOFileSystem's shape) and say what they always said.
@Suite("StoreFailure")
struct StoreFailureTests {
    func open(_ path: String, _ access: StoreAccess) -> StoreFailure? {
        do throws(StoreFailure) {
            _ = try TallyDatabase.open(path: path, access: access)
            return nil
        } catch {
            return error
        }
    }

    @Test func aMissingStoreIsMissingWithItsSentenceAndWhereItWasRaised() throws {
        let path = try Paths.makeTempDirectory("tally-failure").appendingPathComponent("none.db").path
        let failure = try #require(open(path, .read))
        #expect(failure.code == .missing)
        #expect(failure.message == "no store at \(path); create one with tally init (or give --db PATH, or set TALLY_DB)")
        #expect(failure.description == failure.message)
        #expect(failure.cause == nil)
        #expect(failure.location.file == "TallyKit/StoreAccess.swift")
        #expect(failure.detailedDescription.hasPrefix("StoreFailure: missing\n├─ Reason: no store at"))
    }

    @Test func aFileThatIsNoDatabaseIsNotATallyStore() throws {
        let folder = try Paths.makeTempDirectory("tally-failure")
        let path = try Paths.write("hello, not a database\n", "notes.db", in: folder)
        let failure = try #require(open(path, .write))
        #expect(failure.code == .notATallyStore)
        #expect(failure.message.hasPrefix("\(path) is not a Tally store: it is not a SQLite database"))
    }

    @Test func sqliteFailingToOpenIsKeptAsTheCauseAndToldAsBefore() throws {
        let path = try Paths.makeTempDirectory("tally-failure").appendingPathComponent("no/such/folder/tally.db").path
        let failure = try #require(open(path, .create))
        let cause = try #require(failure.cause as? StoreError)
        #expect(failure.code == .failed)
        #expect(failure.message == cause.message)
        #expect(failure.description == cause.description)
        #expect(failure.detailedDescription.contains("├─ Cause: "))
    }

    @Test(arguments: [(5, .busy), (6, .busy), (11, .corrupt), (8, .readOnly), (2067, .failed), (26, .failed)] as [(Int32, StoreFailure.Code)])
    func sqliteErrorsAreClassifiedAndKeptWhole(code: Int32, expected: StoreFailure.Code) throws {
        let error = StoreError(extendedCode: code, message: "what SQLite said", sql: "SELECT 1")
        let failure = try #require(StoreFailure.from(error))
        #expect(failure.code == expected)
        #expect(failure.message == "what SQLite said")
        #expect(failure.description == error.description)
        #expect(failure.cause as? StoreError == error)
        #expect(StoreFailure.from(failure)?.code == expected)
        #expect(StoreFailure.from(CocoaError(.fileNoSuchFile)) == nil)
    }
}
