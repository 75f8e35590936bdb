import COpenSSL
import CShims
import Foundation

/// An OpenSSL `SSL_CTX` built from a `TLSConfiguration`; shared by all connections that use
/// the same configuration (cached), so 1 000 shards load the trust store once.
final class TLSContext: @unchecked Sendable {
    let ctx: OpaquePointer
    let configuration: TLSConfiguration

    private static let cacheLock = NSLock()
    nonisolated(unsafe) private static var cache: [TLSConfiguration: TLSContext] = [:]

    static func shared(for configuration: TLSConfiguration) throws(TransportError) -> TLSContext {
        cacheLock.lock(); defer { cacheLock.unlock() }
        if let c = cache[configuration] { return c }
        let c = try TLSContext(configuration)
        cache[configuration] = c
        return c
    }

    init(_ configuration: TLSConfiguration) throws(TransportError) {
        self.configuration = configuration
        let method = configuration.role == .client ? TLS_client_method() : TLS_server_method()
        guard let ctx = SSL_CTX_new(method) else { throw .tlsSetupFailed("SSL_CTX_new: \(TLSContext.lastError())") }
        self.ctx = ctx
        _ = shim_SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)
        _ = SSL_CTX_set_options(ctx, UInt64(shim_SSL_OP_NO_COMPRESSION() | shim_SSL_OP_IGNORE_UNEXPECTED_EOF()))
        _ = shim_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        switch configuration.role {
        case .client:
            if configuration.verify {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
                if let ca = configuration.caFile {
                    guard SSL_CTX_load_verify_locations(ctx, ca, nil) == 1 else {
                        throw .tlsSetupFailed("cannot load CA file \(ca): \(TLSContext.lastError())")
                    }
                } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
                    throw .tlsSetupFailed("cannot load the system trust store: \(TLSContext.lastError())")
                }
            } else {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
            }
        case .server:
            guard let chain = configuration.certificateChainFile, let key = configuration.privateKeyFile else {
                throw .tlsSetupFailed("server TLS needs a certificate chain file and a private key file")
            }
            guard SSL_CTX_use_certificate_chain_file(ctx, chain) == 1 else {
                throw .tlsSetupFailed("cannot load certificate chain \(chain): \(TLSContext.lastError())")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
                throw .tlsSetupFailed("cannot load private key \(key): \(TLSContext.lastError())")
            }
        }
    }

    deinit { SSL_CTX_free(ctx) }

    /// Drains OpenSSL's thread-local error queue into one line.
    static func lastError() -> String {
        var parts: [String] = []
        while true {
            let e = ERR_get_error()
            if e == 0 { break }
            var buf = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(e, &buf, buf.count)
            parts.append(buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        return parts.isEmpty ? "unknown error" : parts.joined(separator: "; ")
    }
}
