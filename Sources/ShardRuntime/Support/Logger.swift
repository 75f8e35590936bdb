import Foundation

/// Severity of a log record, lowest first.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, warn, error

    public var name: String {
        switch self {
        case .debug: "debug"
        case .info: "info"
        case .warn: "warn"
        case .error: "error"
        }
    }

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Short structured log records: a message plus key=value fields, one line each.
///
/// Records go to stderr. Fields carry context (always the shard id where there is one);
/// values are never tokens — callers pass `Token` only through its redacted description.
public final class Logger: @unchecked Sendable {
    public enum Format: String, Sendable { case text, json }

    public var level: LogLevel
    public var format: Format
    private let lock = NSLock()
    private let sink: @Sendable (String) -> Void

    public init(level: LogLevel = .info, format: Format = .text,
                sink: @escaping @Sendable (String) -> Void = { line in
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }) {
        self.level = level
        self.format = format
        self.sink = sink
    }

    /// The process-wide logger used when a component is given none.
    public static let shared = Logger()

    public func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, CustomStringConvertible> = [:]) {
        guard level >= self.level else { return }
        let line: String
        switch format {
        case .text:
            var out = "\(level.name) \(Logger.escapingControls(message))"
            for (key, value) in fields { out += " \(key)=\(Logger.quoteIfNeeded(Logger.text(of: value)))" }
            line = out
        case .json:
            let time = Date().timeIntervalSince1970
            var out = "{\"ts\":\(String(format: "%.3f", time)),\"level\":\"\(level.name)\",\"msg\":\(Logger.jsonString(message))"
            for (key, value) in fields { out += ",\(Logger.jsonString(key)):\(Logger.jsonValue(of: value))" }
            line = out + "}"
        }
        lock.lock()
        sink(line)
        lock.unlock()
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.info, message, fields) }
    public func warn(_ message: String, _ fields: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.warn, message, fields) }
    public func error(_ message: String, _ fields: KeyValuePairs<String, CustomStringConvertible> = [:]) { log(.error, message, fields) }

    /// A field value as text: durations in seconds with millisecond precision
    /// (`1.363s`, not `1.3631964368856986 seconds`), everything else as described.
    static func text(of value: CustomStringConvertible) -> String {
        if let duration = value as? Duration {
            return String(format: "%.3fs", duration.inSeconds)
        }
        return value.description
    }

    /// A field value as JSON: integers, finite floating-point numbers and booleans stay
    /// numbers and booleans; everything else is a string.
    static func jsonValue(of value: CustomStringConvertible) -> String {
        switch value {
        case let v as Int: return String(v)
        case let v as Int64: return String(v)
        case let v as UInt64: return String(v)
        case let v as Int32: return String(v)
        case let v as UInt16: return String(v)
        case let v as Bool: return v ? "true" : "false"
        case let v as Double where v.isFinite: return String(v)
        default: return jsonString(text(of: value))
        }
    }

    static func quoteIfNeeded(_ value: String) -> String {
        // Control characters (ANSI escapes, CR, tabs from a server's close reason) are quoted too,
        // so they are escaped instead of reaching the terminal raw.
        if !value.isEmpty, !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }),
           !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return value }
        return jsonString(value)
    }

    /// The message of a text line, one line, without raw control characters (a script may log
    /// what a Discord user typed, ANSI escapes and newlines included).
    static func escapingControls(_ message: String) -> String {
        guard message.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return message }
        let quoted = jsonString(message)
        return String(quoted.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
    }

    /// JSON string; DEL is escaped too so no control character reaches a terminal raw.
    static func jsonString(_ value: String) -> String {
        let quoted = JSONWriter.quoted(value)
        return quoted.contains("\u{7F}") ? quoted.replacingOccurrences(of: "\u{7F}", with: "\\u007f") : quoted
    }
}
