import Foundation
import TallyStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An error as a sentence a person can act on: Foundation's file errors by path and cause (never
/// `Error Domain=NSCocoaErrorDomain Code=640 …`), everything else as it describes itself.
package enum ErrorText {
    package static func describe(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError { return describe(cocoa) }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        return "\(error)"
    }

    static func describe(_ error: CocoaError) -> String {
        let path = error.filePath ?? error.url?.path
        let shown = path ?? "a file"
        let cause = (error.underlying as NSError?).flatMap { $0.domain == NSPOSIXErrorDomain ? Int32($0.code) : nil }
        if error.code == .fileWriteOutOfSpace || cause == ENOSPC || cause == EDQUOT {
            return Connection.diskFullMessage(path ?? ".")
        }
        switch error.code {
        case .fileWriteVolumeReadOnly: return "\(shown) cannot be written: its file system is read-only"
        case .fileWriteNoPermission: return "\(shown) cannot be written: permission denied"
        case .fileReadNoPermission: return "\(shown) cannot be read: permission denied"
        case .fileNoSuchFile, .fileReadNoSuchFile: return "\(shown): no such file or folder"
        case .fileWriteFileExists: return "\(shown) already exists"
        default:
            if let cause, let limit = cause == EMFILE || cause == ENFILE ? "too many open files (raise ulimit -n)" : nil {
                return "\(shown): \(limit)"
            }
            if let cause { return "\(shown): \(String(cString: strerror(cause)))" }
            return "\(shown): \(error.localizedDescription)"
        }
    }
}
