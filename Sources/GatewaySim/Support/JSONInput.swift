import Foundation

/// Read-only view of a decoded JSON document from the client (gateway payloads, REST bodies).
///
/// This is the sim's only seam to a JSON reader. It currently wraps Foundation's
/// `JSONSerialization` (cold path: client payloads are ≤ 4096 bytes); it is meant to wrap
/// `ShardRuntime.JSONParser` once that lands (issue 4), without changing its callers.
struct JSONInput {
    fileprivate let raw: Any

    /// Parses `bytes`; nil when they are not valid JSON.
    static func parse<Bytes: Collection>(_ bytes: Bytes) -> JSONInput? where Bytes.Element == UInt8 {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            return nil
        }
        return JSONInput(raw: value)
    }

    subscript(key: String) -> JSONInput? {
        guard let object = raw as? [String: Any], let value = object[key] else { return nil }
        return JSONInput(raw: value)
    }

    var isObject: Bool { raw is [String: Any] }
    var isNull: Bool { raw is NSNull }

    var string: String? { raw as? String }

    var bool: Bool? {
        guard let number = raw as? NSNumber, isBoolean(number) else { return nil }
        return number.boolValue
    }

    /// An integer, when the value is a JSON number with no fraction (booleans are not integers).
    var int: Int? {
        guard let number = raw as? NSNumber, !isBoolean(number) else { return nil }
        let double = number.doubleValue
        guard double == double.rounded(), abs(double) < 9.0e15 else { return nil }
        return number.intValue
    }

    var array: [JSONInput]? { (raw as? [Any]).map { $0.map(JSONInput.init(raw:)) } }

    /// Compact JSON text of this value (for echoing client-supplied structures such as embeds).
    var serialized: String {
        guard let data = try? JSONSerialization.data(withJSONObject: raw, options: [.fragmentsAllowed]) else {
            return "null"
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func isBoolean(_ number: NSNumber) -> Bool {
        // Foundation on Linux decodes true/false as `__NSCFBoolean`; plain numbers are NSNumber.
        String(describing: type(of: number)).contains("Boolean")
    }
}
