import ShardRuntime

/// Read-only view of a decoded JSON document from the client (gateway payloads, REST bodies),
/// over `ShardRuntime.JSONParser` / `JSONValue`. Keeps the sim's call sites short.
struct JSONInput {
    let value: JSONValue

    /// Parses `bytes`; nil when they are not valid JSON.
    static func parse(_ bytes: [UInt8]) -> JSONInput? {
        guard let value = try? JSONParser.parse(bytes) else { return nil }
        return JSONInput(value: value)
    }

    subscript(key: String) -> JSONInput? { value[key].map(JSONInput.init(value:)) }

    var isObject: Bool { value.objectValue != nil }
    var isNull: Bool { value.isNull }
    var string: String? { value.stringValue }
    var bool: Bool? { value.boolValue }
    /// An integer (booleans and fractions are not).
    var int: Int? { value.intValue }
    var array: [JSONInput]? { value.arrayValue?.map(JSONInput.init(value:)) }
    /// Compact JSON text of this value (for echoing client-supplied structures such as embeds).
    var serialized: String { value.jsonString }
}
