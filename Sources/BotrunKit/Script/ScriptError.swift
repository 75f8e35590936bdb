/// A script failure with the location and message Lua gave (script:line, traceback).
public struct ScriptError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        case file, syntax, runtime, timeout, memory
    }

    public var kind: Kind
    public var script: String
    public var message: String

    public init(kind: Kind, script: String, message: String) {
        self.kind = kind
        self.script = script
        self.message = message
    }

    public var description: String { message }
}
