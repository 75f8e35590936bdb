/// What the shell must do, in order, after a call into `SimCore`.
public enum SimAction: Sendable, Equatable {
    /// Send one gateway payload (JSON text) on the connection.
    case send(ConnectionID, String)
    /// Send a close frame with `code`, then close the socket.
    case close(ConnectionID, code: UInt16)
    /// Close the socket with no close frame.
    case drop(ConnectionID)
}
