import Testing
@testable import TallyKit

@Suite("RecordNaming")
struct RecordNamingTests {
    private let ci = EntityRegistry.standard.entity(named: "ci")!

    /// The naming of a CI whose fields are `values` by name (absent: null).
    private func key(_ values: [String: String]) -> String? {
        RecordNaming(ci).displayKey { values[ci.fields[$0].name] }
    }

    @Test func theFirstRuleOtherThanSysIDWithEveryFieldFilledNamesTheRecord() {
        let sysID = String(repeating: "a", count: 32)
        // serial number + class comes first.
        #expect(key(["sys_id": sysID, "serial_number": "SN1", "sys_class_name": "cmdb_ci_server", "name": "web-01"])
                == "SN1/cmdb_ci_server")
        // An empty serial number skips that rule for name + class.
        #expect(key(["sys_id": sysID, "serial_number": "", "sys_class_name": "cmdb_ci_server", "name": "web-01"])
                == "web-01/cmdb_ci_server")
        // No name: the MAC address within the class.
        #expect(key(["sys_id": sysID, "sys_class_name": "cmdb_ci_server", "mac_address": "00:11:22:33:44:55"])
                == "00:11:22:33:44:55/cmdb_ci_server")
        // No class: none of those (a MAC address identifies a CI only within its class).
        #expect(key(["sys_id": sysID, "name": "web-01", "mac_address": "00:11:22:33:44:55"]) == sysID)
        // Nothing but the sys_id.
        #expect(key(["sys_id": sysID, "name": "web-01"]) == sysID)
        #expect(key(["name": "web-01"]) == nil)
        #expect(RecordNaming(ci).sysID { ci.fields[$0].name == "sys_id" ? sysID : nil } == sysID)
    }
}
