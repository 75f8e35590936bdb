/// The version botrun reports in `--version` and its User-Agent.
public enum BotrunVersion {
    public static let string = "0.1.0"
}
