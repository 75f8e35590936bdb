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
