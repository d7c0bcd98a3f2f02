/// Myelin's release version: `myelin version`, the startup log line and `GET /_matrix/federation/v1/version`.
public enum MyelinVersion {
    public static let string = "0.1.0"
}
