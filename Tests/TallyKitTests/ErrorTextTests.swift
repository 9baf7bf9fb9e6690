import Foundation
import Testing
@testable import TallyKit

/// Foundation's file errors read as sentences with the path, never as an NSCocoaErrorDomain dump.
@Suite struct ErrorTextTests {
    @Test func aFullDiskNamesThePathAndTheFreeSpace() {
        let error = CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: "/tmp/out/report.html"])
        let text = ErrorText.describe(error)
        #expect(text.hasPrefix("the disk is full writing /tmp/out/report.html ("), "\(text)")
        #expect(text.contains("MB free when it failed"), "\(text)")
        #expect(!text.contains("NSCocoaErrorDomain") && !text.contains("640"))
    }

    @Test func aPOSIXCauseIsToldByItsName() {
        let enospc = NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))
        let copy = CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "/store.inputs/abc", NSUnderlyingErrorKey: enospc])
        #expect(ErrorText.describe(copy).hasPrefix("the disk is full writing /store.inputs/abc"))
        let missing = CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: "/drop/a.csv"])
        #expect(ErrorText.describe(missing) == "/drop/a.csv: no such file or folder")
        let denied = CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: "/out/x.csv"])
        #expect(ErrorText.describe(denied) == "/out/x.csv cannot be written: permission denied")
    }
}
