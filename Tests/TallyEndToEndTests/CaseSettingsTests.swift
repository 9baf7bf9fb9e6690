import Foundation
import Testing
import TestSupport

/// `tally settings set case_fields_to_sync` (issue 22, rule 8).
@Suite("Case settings")
struct CaseSettingsTests {
    /// Seed: "The field in the Related Records form section is added to the
    /// sn_customerservice.case_fields_to_sync property": a name that is no such field is refused
    /// (a typo would silently turn syncing off), and nothing is written.
    @Test func anUnknownCaseFieldToSyncIsAUsageErrorListingTheValidOnes() throws {
        let folder = try Paths.makeTempDirectory()
        let refused = try TallyProcess.run(["settings", "set", "case_fields_to_sync", "incident, probelm"], in: folder)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("error: case_fields_to_sync: unknown field 'probelm'; valid: incident, problem, change_request, caused_by, requests"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        let listed = try TallyProcess.run(["settings"], in: folder)
        #expect(!listed.stdout.contains("case_fields_to_sync"))

        let accepted = try TallyProcess.run(["settings", "set", "case_fields_to_sync", "incident, problem,requests"], in: folder)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(try TallyProcess.run(["settings", "get", "case_fields_to_sync"], in: folder).stdout == "incident, problem,requests\n")
    }
}
