/// zscan's name and version, as reports and snapshots state them.
public enum ToolInfo {
    public static let name = "zscan"
    public static let version = "0.1.0"
}
