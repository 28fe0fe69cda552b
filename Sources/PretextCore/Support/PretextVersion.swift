/// The version of this build of Pretext, recorded in every catalog run.
public enum PretextVersion {
    public static let current = "0.1.0"
}
