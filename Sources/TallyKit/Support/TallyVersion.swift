/// The version of Tally, written into manifests and `tally --version`.
package enum TallyVersion {
    package static let current = "0.1.0"
}
