import Testing
@testable import ShardRuntime

@Suite struct HTTPCodecTests {
    static let chunked = Array(("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nx-ratelimit-bucket: abc\r\n\r\n"
        + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n").utf8)
    static let fixed = Array("HTTP/1.1 201 Created\r\nContent-Length: 11\r\nContent-Type: application/json\r\n\r\n{\"id\":\"1\"}\n".utf8)

    /// Feeds `bytes` split at `cut` and returns every response parsed.
    static func parse(_ bytes: [UInt8], cut: Int) throws -> [HTTPResponse] {
        var parser = HTTPResponseParser()
        var out: [HTTPResponse] = []
        parser.append(bytes[..<cut])
        while let r = try parser.next() { out.append(r) }
        parser.append(bytes[cut...])
        while let r = try parser.next() { out.append(r) }
        return out
    }

    @Test func contentLengthBodySplitAtEveryByte() throws {
        for cut in 0...Self.fixed.count {
            let responses = try Self.parse(Self.fixed, cut: cut)
            #expect(responses.count == 1, "cut \(cut)")
            #expect(responses.first?.status == 201)
            #expect(responses.first?.body == Array("{\"id\":\"1\"}\n".utf8))
            #expect(responses.first?.headers["content-type"] == "application/json")
            #expect(responses.first?.keepAlive == true)
        }
    }

    @Test func chunkedBodyWithExtensionAndTrailersSplitAtEveryByte() throws {
        for cut in 0...Self.chunked.count {
            let responses = try Self.parse(Self.chunked, cut: cut)
            #expect(responses.count == 1, "cut \(cut)")
            #expect(responses.first.map { String(decoding: $0.body, as: UTF8.self) } == "hello, world")
            #expect(responses.first?.headers["X-RateLimit-Bucket"] == "abc")
        }
    }

    @Test func chunkedFedOneByteAtATime() throws {
        var parser = HTTPResponseParser()
        var got: [HTTPResponse] = []
        for byte in Self.chunked + Self.fixed {
            parser.append([byte])
            while let r = try parser.next() { got.append(r) }
        }
        #expect(got.map(\.status) == [200, 201])
        #expect(parser.isIdle)
    }

    @Test func pipelinedResponsesAndConnectionClose() throws {
        let bytes = Array("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\nConnection: Close\r\n\r\n{}".utf8)
        var parser = HTTPResponseParser()
        parser.append(bytes)
        let first = try #require(try parser.next())
        let second = try #require(try parser.next())
        #expect(first.status == 204 && first.body.isEmpty && first.keepAlive)
        #expect(second.status == 400 && second.body == Array("{}".utf8) && !second.keepAlive)
        #expect(try parser.next() == nil)
    }

    @Test func http10WithoutKeepAliveIsNotReusable() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(try parser.next()?.keepAlive == false)
    }

    @Test func bodyDelimitedByCloseCompletesAtEOF() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\n\r\npart one ".utf8))
        #expect(try parser.next() == nil)
        parser.append(Array("part two".utf8))
        #expect(try parser.next() == nil)
        let response = try #require(try parser.finishAtEOF())
        #expect(String(decoding: response.body, as: UTF8.self) == "part one part two")
        #expect(!response.keepAlive)
    }

    @Test func truncatedBodyIsAnErrorAtEOF() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".utf8))
        #expect(try parser.next() == nil)
        #expect(throws: HTTPParseError.self) { try parser.finishAtEOF() }
    }

    @Test func continueIsSkippedAndHeadHasNoBody() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".utf8))
        let response = try #require(try parser.next(isHeadRequest: true))
        #expect(response.status == 200 && response.body.isEmpty)
    }

    @Test func malformedResponsesAreRejected() {
        for text in ["HTTX/1.1 200 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                     "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"] {
            var parser = HTTPResponseParser()
            parser.append(Array(text.utf8))
            #expect(throws: HTTPParseError.self, "\(text)") { _ = try parser.next() }
        }
    }

    @Test func oversizedHeaderIsRejected() {
        var parser = HTTPResponseParser(maxHeaderBytes: 100)
        parser.append(Array(("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 200)).utf8))
        #expect(throws: HTTPParseError.self) { _ = try parser.next() }
    }

    @Test func serializerWritesRequestLineHostHeadersAndLength() {
        var headers: HTTPHeaders = ["Authorization": "Bot x", "Content-Type": "application/json"]
        headers.add("X-Evil", "a\r\nInjected: 1")
        let request = HTTPRequest(method: .post, target: "/api/v10/channels/1/messages", headers: headers, body: Array("{}".utf8))
        let text = String(decoding: request.serialized(host: "discord.com"), as: UTF8.self)
        #expect(text == "POST /api/v10/channels/1/messages HTTP/1.1\r\nHost: discord.com\r\nAuthorization: Bot x\r\n"
            + "Content-Type: application/json\r\nX-Evil: \r\nContent-Length: 2\r\n\r\n{}")
    }

    @Test func serializerLengthRules() {
        let put = String(decoding: HTTPRequest(method: .put, target: "/a").serialized(host: "h"), as: UTF8.self)
        let get = String(decoding: HTTPRequest(method: .get, target: "/a").serialized(host: "h"), as: UTF8.self)
        #expect(put.contains("Content-Length: 0\r\n"))
        #expect(!get.contains("Content-Length"))
        #expect(!HTTPRequest.isValidTarget("/a b"))
        #expect(!HTTPRequest.isValidTarget("/a\r\nX: y"))
        #expect(!HTTPRequest.isValidTarget("a"))
        #expect(HTTPRequest.isValidTarget("/channels/1/messages?limit=5"))
    }
}
