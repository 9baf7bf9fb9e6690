/// The version of Tally, written into manifests and `tally --version`.
public enum TallyVersion {
    public static let current = "0.1.0"
}
