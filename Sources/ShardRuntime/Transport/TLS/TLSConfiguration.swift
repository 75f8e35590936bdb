/// TLS settings for one side of a connection. Value type; contexts are built from it.
public struct TLSConfiguration: Sendable, Hashable {
    public enum Role: Sendable, Hashable { case client, server }

    public var role: Role
    /// Client: an explicit CA bundle (PEM). nil → the system store, which honours
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR` like the OpenSSL tools.
    public var caFile: String?
    /// Client: verify the chain and the host name (on by default).
    public var verify: Bool
    /// Client: the name used for SNI and host-name verification instead of the URL host.
    public var serverName: String?
    /// Server: PEM certificate chain and private key.
    public var certificateChainFile: String?
    public var privateKeyFile: String?

    public init(role: Role = .client, caFile: String? = nil, verify: Bool = true, serverName: String? = nil,
                certificateChainFile: String? = nil, privateKeyFile: String? = nil) {
        self.role = role
        self.caFile = caFile
        self.verify = verify
        self.serverName = serverName
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }

    /// A client configuration verifying against the system store (or `caFile`).
    public static func client(caFile: String? = nil, verify: Bool = true, serverName: String? = nil) -> TLSConfiguration {
        TLSConfiguration(role: .client, caFile: caFile, verify: verify, serverName: serverName)
    }

    /// A server configuration presenting the given chain and key.
    public static func server(certificateChainFile: String, privateKeyFile: String) -> TLSConfiguration {
        TLSConfiguration(role: .server, certificateChainFile: certificateChainFile, privateKeyFile: privateKeyFile)
    }
}
