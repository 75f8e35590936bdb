import Foundation
import LuaBridge
import ShardRuntime

/// What the C callbacks of one Lua state reach: the shards, REST, the logger, stdout.
final class ScriptBridge: @unchecked Sendable {
    let control: any ShardControl
    let calls: ScriptRESTCalls
    let logger: Logger
    let output: @Sendable (String) -> Void
    let scriptName: String

    init(control: any ShardControl, calls: ScriptRESTCalls, logger: Logger,
         output: @escaping @Sendable (String) -> Void, scriptName: String) {
        self.control = control
        self.calls = calls
        self.logger = logger
        self.output = output
        self.scriptName = scriptName
    }

    static func copy(_ message: String, into buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
        guard let buffer, capacity > 0 else { return }
        var bytes = Array(message.utf8.prefix(capacity - 1))
        bytes.append(0)
        bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress!, byteCount: raw.count)
        }
    }

    static func string(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    static func bytes(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    /// The C host table; `ctx` is this bridge (kept alive by the owning `LuaState`).
    func host() -> lb_host {
        var host = lb_host()
        host.ctx = Unmanaged.passUnretained(self).toOpaque()
        host.shard_info = { ctx, shard, buf, cap in
            let bridge = Unmanaged<ScriptBridge>.fromOpaque(ctx!).takeUnretainedValue()
            guard let info = bridge.control.info(shardID: Int(shard)) else { return -1 }
            let json = Array(info.json.utf8)
            if json.count <= cap, let buf {
                json.withUnsafeBytes { UnsafeMutableRawPointer(buf).copyMemory(from: $0.baseAddress!, byteCount: json.count) }
            }
            return json.count
        }
        host.shard_command = { ctx, shard, name, json, len, err, errcap in
            let bridge = Unmanaged<ScriptBridge>.fromOpaque(ctx!).takeUnretainedValue()
            let error = bridge.control.command(shardID: Int(shard), name: String(cString: name!),
                                               json: ScriptBridge.bytes(json, len))
            guard let error else { return 0 }
            ScriptBridge.copy(error, into: err, capacity: errcap)
            return 1
        }
        host.shard_send = { ctx, shard, kind, data, len, code, reason, rlen, err, errcap in
            let bridge = Unmanaged<ScriptBridge>.fromOpaque(ctx!).takeUnretainedValue()
            let payload = ScriptBridge.bytes(data, len)
            let message: ScriptOutgoingMessage = switch kind {
            case Int32(LB_SEND_BINARY): .binary(payload)
            case Int32(LB_SEND_PING): .ping(payload)
            case Int32(LB_SEND_CLOSE): .close(code: Int(code), reason: ScriptBridge.string(reason, rlen))
            default: .text(payload)
            }
            guard let error = bridge.control.send(shardID: Int(shard), message: message) else { return 0 }
            ScriptBridge.copy(error, into: err, capacity: errcap)
            return 1
        }
        host.log = { ctx, level, msg, len, location, shard in
            let bridge = Unmanaged<ScriptBridge>.fromOpaque(ctx!).takeUnretainedValue()
            let lvl = LogLevel(rawValue: Int(level)) ?? .info
            let at = location.map { String(cString: $0) } ?? ""
            if shard >= 0 {
                bridge.logger.log(lvl, ScriptBridge.string(msg, len), ["shard": shard, "script": bridge.scriptName, "at": at])
            } else {
                bridge.logger.log(lvl, ScriptBridge.string(msg, len), ["script": bridge.scriptName])
            }
        }
        host.print = { ctx, line, len in
            let bridge = Unmanaged<ScriptBridge>.fromOpaque(ctx!).takeUnretainedValue()
            bridge.output(ScriptBridge.string(line, len))
        }
        host.rest_request = { ctx, method, path, pathLength, body, bodyLength, id, err, errcap in
            let bridge = Unmanaged<ScriptBridge>.fromOpaque(ctx!).takeUnretainedValue()
            let payload = body.map { ScriptBridge.bytes($0, bodyLength) }
            switch bridge.calls.start(method: String(cString: method!), path: ScriptBridge.string(path, pathLength),
                                      body: payload) {
            case .success(let requestID):
                id?.pointee = requestID
                return 0
            case .failure(let error):
                ScriptBridge.copy(error.message, into: err, capacity: errcap)
                return 1
            }
        }
        return host
    }
}
