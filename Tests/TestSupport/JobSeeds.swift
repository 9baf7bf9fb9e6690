import Foundation

/// Collects the job files the tests write, as seeds for the `job-file` fuzz target: when
/// `TALLY_JOB_SEEDS` names a folder, each job text is also written there as `<hash>.json`.
/// `TALLY_JOB_SEEDS=$PWD/Tests/Reliability/Fuzz/seeds/job-file swift test --filter 'JobTests|JobDefinitionTests|StoreLockTests'`
/// refreshes the committed seeds.
public enum JobSeeds {
    public static func keep(_ text: String) {
        guard let folder = ProcessInfo.processInfo.environment["TALLY_JOB_SEEDS"], !folder.isEmpty else { return }
        // The checkout's absolute paths become relative ones, so a seed does not name this machine.
        let text = text.replacingOccurrences(of: Paths.packageRoot.path + "/", with: "")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: a stable name per distinct text
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try? Data(text.utf8).write(to: URL(fileURLWithPath: folder).appendingPathComponent(String(format: "%016llx.json", hash)))
    }
}
