extension Duration {
    /// The duration in seconds as a `Double` (event-loop timers, logs, milliseconds for Lua).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
