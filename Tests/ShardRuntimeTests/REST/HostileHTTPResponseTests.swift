import Testing
@testable import ShardRuntime

/// Responses a hostile or broken API server can send to the REST client.
@Suite struct HostileHTTPResponseTests {
    static func parse(_ text: String) -> Result<[HTTPResponse], HTTPParseError> {
        var parser = HTTPResponseParser()
        parser.append(Array(text.utf8))
        var out: [HTTPResponse] = []
        do throws(HTTPParseError) {
            while let r = try parser.next() { out.append(r) }
        } catch { return .failure(error) }
        return .success(out)
    }

    /// A chunk size near Int.max after a first chunk overflowed `count + size` and trapped.
    @Test(arguments: ["7fffffffffffffff", "7ffffffffffffffe", "ffffffffffffffff", "10000000000000000"])
    func hugeChunkSizeIsAnErrorNotATrap(_ size: String) {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n\(size)\r\nbbbb"
        guard case .failure(let error) = Self.parse(response) else {
            Issue.record("accepted a \(size) chunk")
            return
        }
        #expect(error.reason == "body too large" || error.reason == "bad chunk size", "\(error.reason)")
    }
}

/// Rate-limit headers are numbers from the server: "nan" and "inf" parse as Doubles but
/// would block a bucket forever (inf) or make every comparison false (nan).
@Suite struct HostileRateLimitHeaderTests {
    @Test(arguments: ["inf", "-inf", "nan", "infinity", "1e400"])
    func nonFiniteTimesAreIgnored(_ value: String) {
        let headers: HTTPHeaders = ["X-RateLimit-Reset-After": value, "Retry-After": value, "X-RateLimit-Remaining": "0"]
        let info = RateLimitInfo(status: 429, headers: headers, bodyRetryAfter: nil)
        #expect(info.resetAfter == nil && info.retryAfter == nil)
        #expect(RateLimitInfo(status: 429, headers: [:], bodyRetryAfter: Double(value)).retryAfter == nil)
    }

    @Test func finiteTimesAreRead() {
        let info = RateLimitInfo(status: 429, headers: ["X-RateLimit-Reset-After": "1.5", "Retry-After": "3"])
        #expect(info.resetAfter == 1.5 && info.retryAfter == 3)
    }
}
