import Foundation
import LuaBridge
import ShardRuntime

/// One Lua state (owned by one thread at a time) over the C bridge.
final class LuaState {
    let raw: OpaquePointer
    let bridge: ScriptBridge
    let scriptName: String

    init(options: ScriptOptions, bridge: ScriptBridge) throws(ScriptError) {
        var host = bridge.host()
        let dir = URL(fileURLWithPath: options.scriptPath).deletingLastPathComponent().path
        var opts = lb_options(sandbox: options.sandbox ? 1 : 0, memory_limit: options.memoryLimit,
                              time_budget: options.handlerTimeout, script_dir: nil)
        let state: OpaquePointer? = dir.withCString { cdir in
            opts.script_dir = cdir
            return lb_new(&opts, &host)
        }
        guard let state else {
            throw ScriptError(kind: .memory, script: bridge.scriptName, message: "cannot create a Lua state")
        }
        lb_set_default_shard(state, Int32(options.defaultShardID))
        self.raw = state
        self.bridge = bridge
        self.scriptName = bridge.scriptName
    }

    deinit { lb_close(raw) }

    var lastError: String { String(cString: lb_last_error(raw)) }

    func error(_ rc: Int32) -> ScriptError {
        let kind: ScriptError.Kind = switch rc {
        case Int32(LB_ERR_SYNTAX): .syntax
        case Int32(LB_ERR_FILE): .file
        case Int32(LB_ERR_TIMEOUT): .timeout
        case Int32(LB_ERR_MEMORY): .memory
        default: .runtime
        }
        return ScriptError(kind: kind, script: scriptName, message: lastError)
    }

    func load(path: String) throws(ScriptError) {
        let rc = lb_load_file(raw, path)
        if rc != LB_OK { throw error(rc) }
    }

    func runMain() throws(ScriptError) {
        let rc = lb_run_main(raw)
        if rc != LB_OK { throw error(rc) }
    }

    func dispatch(name: String, data: [UInt8], shardID: Int, seq: Int64) -> Int32 {
        data.withUnsafeBufferPointer { lb_dispatch(raw, name, $0.baseAddress, $0.count, Int32(shardID), seq) }
    }

    func lifecycle(_ event: ScriptLifecycleEvent, shardID: Int) -> Int32 {
        lifecycle(handler: event.handler, argumentsJSON: event.argumentsJSON, shardID: shardID)
    }

    func lifecycle(handler: String, argumentsJSON: String?, shardID: Int) -> Int32 {
        guard let argumentsJSON else { return lb_call_lifecycle(raw, handler, nil, 0, Int32(shardID)) }
        return lb_call_lifecycle(raw, handler, argumentsJSON, argumentsJSON.utf8.count, Int32(shardID))
    }

    var memoryBytes: Int {
        var stats = lb_stats()
        lb_get_stats(raw, &stats)
        return stats.memory
    }

    var handlerNames: [String] {
        String(cString: lb_handler_names(raw)).split(separator: "\n").map(String.init)
    }

    /// Dispatch names (e.g. "MESSAGE_CREATE") that have a handler.
    var dispatchEvents: Set<String> {
        var out = Set<String>()
        var buf = [CChar](repeating: 0, count: 128)
        for name in handlerNames where lb_handler_to_event(name, &buf, buf.count) > 0 {
            out.insert(buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return out
    }

    var requiredFiles: [String] {
        String(cString: lb_required_files(raw)).split(separator: "\n").map(String.init)
    }

    func exportStore() -> [UInt8]? {
        var len = 0
        guard let blob = lb_store_export(raw, &len) else { return nil }
        defer { lb_free(blob) }
        return Array(UnsafeRawBufferPointer(start: blob, count: len))
    }

    func importStore(_ blob: [UInt8]) -> Int32 {
        blob.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { lb_store_import(raw, $0.baseAddress, $0.count) }
        }
    }

    /// Continues the coroutine parked on REST call `id` with its result (issue 6).
    func resume(_ id: Int64, with result: ScriptRESTResult) -> Int32 {
        switch result {
        case .success(let status, let body):
            return body.withUnsafeBufferPointer { lb_resume(raw, id, Int32(status), $0.baseAddress, $0.count, nil, 0) }
        case .failure(let status, let message):
            return lb_resume(raw, id, Int32(status ?? 0), nil, 0, message, message.utf8.count)
        }
    }

    /// Coroutines parked on REST calls.
    var parkedCount: Int { Int(lb_parked_count(raw)) }

    /// Seconds from now until the earliest timer, or nil when there is none.
    var nextTimerDelay: Double? {
        let deadline = lb_next_deadline(raw)
        return deadline < 0 ? nil : max(0, deadline - lb_now())
    }

    /// Runs every timer due now; reports each failure through `report`.
    func runDueTimers(_ report: (Int32) -> Void) -> Int {
        let now = lb_now()
        var ran = 0
        while true {
            let rc = lb_run_timer(raw, now)
            if rc == LB_NOT_FOUND { return ran }
            ran += 1
            if rc != LB_OK && rc != LB_PENDING { report(rc) }
        }
    }
}
