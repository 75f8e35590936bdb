import COpenSSL
import CShims
import Glibc

/// One non-blocking OpenSSL session over a socket fd. Loop-thread only.
final class TLSSession {
    enum Progress { case done, wantRead, wantWrite, failed(TransportError) }
    enum IOResult { case bytes(Int), wantRead, wantWrite, eof, failed(TransportError) }

    let ssl: OpaquePointer
    let host: String
    private let context: TLSContext

    init(context: TLSContext, fd: Int32, host: String) throws(TransportError) {
        guard let ssl = SSL_new(context.ctx) else { throw .tlsSetupFailed("SSL_new: \(TLSContext.lastError())") }
        self.ssl = ssl
        self.context = context
        let name = context.configuration.serverName ?? host
        self.host = name
        SSL_set_fd(ssl, fd)
        if context.configuration.role == .client {
            SSL_set_connect_state(ssl)
            let isIP = TLSSession.isIPLiteral(name)
            if !isIP { _ = shim_SSL_set_tlsext_host_name(ssl, name) }
            if context.configuration.verify {
                let param = SSL_get0_param(ssl)
                let ok = isIP ? X509_VERIFY_PARAM_set1_ip_asc(param, name) : SSL_set1_host(ssl, name)
                guard ok == 1 else { throw .tlsSetupFailed("cannot set verification name \(name)") }
            }
        } else {
            SSL_set_accept_state(ssl)
        }
    }

    deinit { SSL_free(ssl) }

    static func isIPLiteral(_ s: String) -> Bool {
        var a4 = in_addr(), a6 = in6_addr()
        return inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1
    }

    func handshake() -> Progress {
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 { return .done }
        let err = SSL_get_error(ssl, rc)
        switch err {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                let detail = String(cString: X509_verify_cert_error_string(verify))
                return .failed(.certificateRejected(host: host, problem: TLSSession.problem(Int32(verify)),
                                                    detail: detail))
            }
            let reason = err == SSL_ERROR_SYSCALL && TLSContext.lastError() == "unknown error"
                ? "connection closed during handshake (errno \(errno))" : TLSContext.lastError()
            return .failed(.tlsHandshakeFailed(host: host, reason: reason))
        }
    }

    static func problem(_ code: Int32) -> TransportError.CertificateProblem {
        switch code {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
             X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            .unknownCA
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: .selfSigned
        case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH: .hostnameMismatch
        case X509_V_ERR_CERT_HAS_EXPIRED: .expired
        case X509_V_ERR_CERT_NOT_YET_VALID: .notYetValid
        default: .other
        }
    }

    func read(into buf: UnsafeMutableRawPointer, count: Int) -> IOResult {
        ERR_clear_error()
        let n = SSL_read(ssl, buf, Int32(count))
        if n > 0 { return .bytes(Int(n)) }
        return classify(n)
    }

    func write(_ buf: UnsafeRawPointer, count: Int) -> IOResult {
        ERR_clear_error()
        let n = SSL_write(ssl, buf, Int32(min(count, Int(Int32.max))))
        if n > 0 { return .bytes(Int(n)) }
        return classify(n)
    }

    /// Sends close_notify once, without waiting for the peer's.
    func shutdown() { ERR_clear_error(); _ = SSL_shutdown(ssl) }

    private func classify(_ rc: Int32) -> IOResult {
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .eof
        case SSL_ERROR_SYSCALL:
            let e = errno
            if e == 0 || e == ECONNRESET || e == EPIPE { return .eof }
            return .failed(.socketError(operation: "TLS I/O", errno: e))
        default: return .failed(.tlsIOFailed(TLSContext.lastError()))
        }
    }
}
