extension GatewaySession {
    /// IDENTIFY (op 2). Carries the raw token: never log it.
    func identifyPayload() throws(CommandError) -> [UInt8] {
        var d: JSONObject = [
            "token": .string(config.token.exposedSecret),
            "intents": .int(Int64(config.intents.rawValue)),
            "properties": ["os": "linux", "browser": .string(config.libraryName), "device": .string(config.libraryName)],
            "compress": false,
            "large_threshold": .int(Int64(config.largeThreshold)),
            "shard": [.int(Int64(config.shardID)), .int(Int64(config.shardTotal))],
        ]
        if let presence = config.presence { d["presence"] = try presence.data() }
        return try GatewayPayload.encode(op: GatewayOpcode.identify.rawValue, data: .object(d))
    }

    /// RESUME (op 6). Carries the raw token: never log it.
    func resumePayload() -> [UInt8] {
        let d: JSONValue = [
            "token": .string(config.token.exposedSecret),
            "session_id": .string(sessionID ?? ""),
            "seq": sequence.map { .int($0) } ?? .null,
        ]
        return (try? GatewayPayload.encode(op: GatewayOpcode.resume.rawValue, data: d)) ?? []
    }
}
