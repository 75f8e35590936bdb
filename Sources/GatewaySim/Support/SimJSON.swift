import Foundation
import ShardRuntime

/// Writing JSON text for the payloads the sim sends. The sim's output is built from
/// strings it controls, so a small escaper plus object/array joiners are enough.
enum SimJSON {
    /// A JSON string literal for `value`, with quotes.
    static func string(_ value: String) -> String { JSONWriter.quoted(value) }

    static func optionalString(_ value: String?) -> String { value.map(string) ?? "null" }

    /// An object from already-serialized values, keys in the given order.
    static func object(_ fields: KeyValuePairs<String, String>) -> String {
        "{" + fields.map { string($0.key) + ":" + $0.value }.joined(separator: ",") + "}"
    }

    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    static func array(_ values: [String]) -> String { "[" + values.joined(separator: ",") + "]" }

    /// A server → client envelope in Discord's key order `t, s, op, d`.
    static func envelope(op: Int, d: String = "null", s: Int? = nil, t: String? = nil) -> String {
        "{\"t\":\(optionalString(t)),\"s\":\(s.map(String.init) ?? "null"),\"op\":\(op),\"d\":\(d)}"
    }
}
