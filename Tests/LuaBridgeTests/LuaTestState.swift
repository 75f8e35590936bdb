import Foundation
import LuaBridge

/// Records everything a Lua state sends to the host, for assertions.
final class HostRecorder {
    var prints: [String] = []
    var logs: [(level: Int32, message: String, location: String)] = []
    var commands: [(shard: Int32, name: String, json: String)] = []
    var sends: [(shard: Int32, kind: Int32, data: String, code: Int32, reason: String)] = []
    var infoJSON: String? = #"{"id":0,"total":1,"stage":"ready"}"#
    var commandError: String?
}

/// A Lua state with a recording host, for C-level tests through the public API.
final class LuaTestState {
    let recorder = HostRecorder()
    private(set) var state: OpaquePointer!

    init(sandbox: Bool = true, memoryLimit: Int = 0, budget: Double = 0, scriptDir: String? = nil) {
        var host = lb_host()
        host.ctx = Unmanaged.passUnretained(recorder).toOpaque()
        host.print = { ctx, line, len in
            let r = Unmanaged<HostRecorder>.fromOpaque(ctx!).takeUnretainedValue()
            r.prints.append(LuaTestState.string(line, len))
        }
        host.log = { ctx, level, msg, len, location, _ in
            let r = Unmanaged<HostRecorder>.fromOpaque(ctx!).takeUnretainedValue()
            r.logs.append((level, LuaTestState.string(msg, len), String(cString: location!)))
        }
        host.shard_command = { ctx, shard, name, json, len, err, errcap in
            let r = Unmanaged<HostRecorder>.fromOpaque(ctx!).takeUnretainedValue()
            if let message = r.commandError {
                _ = message.withCString { strncpy(err!, $0, errcap - 1) }
                return 1
            }
            r.commands.append((shard, String(cString: name!), LuaTestState.string(json, len)))
            return 0
        }
        host.shard_send = { ctx, shard, kind, data, len, code, reason, rlen, _, _ in
            let r = Unmanaged<HostRecorder>.fromOpaque(ctx!).takeUnretainedValue()
            r.sends.append((shard, kind, LuaTestState.string(data, len), code, LuaTestState.string(reason, rlen)))
            return 0
        }
        host.shard_info = { ctx, _, buf, cap in
            let r = Unmanaged<HostRecorder>.fromOpaque(ctx!).takeUnretainedValue()
            guard let json = r.infoJSON else { return -1 }
            let bytes = Array(json.utf8)
            if bytes.count <= cap { _ = bytes.withUnsafeBytes { memcpy(buf!, $0.baseAddress!, bytes.count) } }
            return bytes.count
        }
        var options = lb_options(sandbox: sandbox ? 1 : 0, memory_limit: memoryLimit, time_budget: budget, script_dir: nil)
        if let scriptDir {
            state = scriptDir.withCString { dir in
                options.script_dir = dir
                return lb_new(&options, &host)
            }
        } else {
            state = lb_new(&options, &host)
        }
    }

    deinit { lb_close(state) }

    static func string(_ p: UnsafePointer<CChar>?, _ len: Int) -> String {
        guard let p else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: len), as: UTF8.self)
    }

    var lastError: String { String(cString: lb_last_error(state)) }

    /// Loads and runs a script given as text; returns the lb status.
    @discardableResult
    func load(_ code: String, name: String = "bot.lua") -> Int32 {
        let rc = code.withCString { lb_load_buffer(state, $0, strlen($0), name) }
        if rc != LB_OK { return rc }
        return lb_run_main(state)
    }

    /// Evaluates Lua and returns (status, tostring of the first result).
    func eval(_ code: String, capacity: Int = 4096) -> (Int32, String) {
        var out = [CChar](repeating: 0, count: capacity)
        let rc = lb_eval(state, code, &out, out.count)
        let text = rc == LB_OK ? out.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } : lastError
        return (rc, text)
    }

    func dispatch(_ event: String, _ json: String, shard: Int32 = 0, seq: Int64 = 1) -> Int32 {
        let bytes = Array(json.utf8)
        return bytes.withUnsafeBufferPointer { lb_dispatch(state, event, $0.baseAddress, $0.count, shard, seq) }
    }

    func dispatch(_ event: String, bytes: [UInt8], shard: Int32 = 0, seq: Int64 = 1) -> Int32 {
        bytes.withUnsafeBufferPointer { lb_dispatch(state, event, $0.baseAddress, $0.count, shard, seq) }
    }

    var stats: lb_stats {
        var s = lb_stats()
        lb_get_stats(state, &s)
        return s
    }
}

/// The protocol fixtures kept in the repository (`Tests/Fixtures/protocol`).
let fixturesDirectory: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/protocol")

func cstr(_ chars: [CChar]) -> String { chars.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } }
