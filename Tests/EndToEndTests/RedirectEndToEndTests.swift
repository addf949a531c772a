import Conduit
import Foundation
import Testing

/// Redirects through the built binary: followed with credentials within the origin,
/// without them to another origin, and a loop ends as a clear error in bounded time.
@Suite(.serialized) struct RedirectEndToEndTests {
    static func me(_ id: String) -> FakeResponse {
        .json(["data": ["type": "user", "id": .string(id), "attributes": ["name": "Ana"]]])
    }

    /// A Chorus fake whose `GET /api/v1/users/me` (list_all_chorus_me) is `answer`;
    /// every other path is the normal fake.
    private func chorus(_ answer: @escaping @Sendable (RecordedRequest) -> FakeResponse?) throws -> LoopbackHTTPServer {
        try LoopbackHTTPServer { request in answer(request) ?? FakeChorus.handle(request) }
    }

    private func session(_ fake: LoopbackHTTPServer, name: String) throws -> VendorSession {
        let account: JSONValue = [
            "integration": "chorus", "base_url": .string(fake.baseURL), "credentials": ["api_token": "${CHORUS_TOKEN}"],
            "timeouts": ["idle_seconds": 3, "total_seconds": 8],
        ]
        let path = TemporaryFiles.folder + "/redirect-account-\(UUID().uuidString).json"
        try account.jsonString.write(toFile: path, atomically: true, encoding: .utf8)
        return try VendorSession(account: path, environment: ["CHORUS_TOKEN": FakeChorus.token], name: name)
    }

    @Test(arguments: [307, 301, 302, 308])
    func aSameOriginRedirectIsFollowedWithTheCredentials(status: Int) throws {
        let fake = try chorus { request in
            switch request.path {
            case "/api/v1/users/me": .respond(status: status, headers: [("Location", "/api/v2/users/me?moved=1")], body: [])
            case "/api/v2/users/me": request.header("Authorization") == FakeChorus.token ? Self.me("u-moved") : nil
            default: nil
            }
        }
        defer { fake.stop() }
        let conduit = try session(fake, name: "redirect-same-\(status)")

        let result = try #require(conduit.call("list_all_chorus_me"))
        #expect(!result.isError, "\(result.text.prefix(400))")
        #expect(result.structured?["result"]?.arrayValue?.first?["id"] == "u-moved")
        let paths = fake.requests.map(\.path)
        #expect(paths == ["/api/v1/users/me", "/api/v2/users/me"], "\(paths)")
        let followed = try #require(fake.requests.last)
        #expect(followed.header("Authorization") == FakeChorus.token)
        #expect(followed.queryValue("moved") == "1")
        #expect(followed.header("User-Agent")?.hasPrefix("conduit/") == true)
    }

    @Test func aCrossOriginRedirectIsFollowedWithoutTheCredentials() throws {
        let other = try LoopbackHTTPServer { request in
            request.path == "/mirror/me" ? Self.me("u-other-origin") : .respond(status: 404, headers: [], body: [])
        }
        defer { other.stop() }
        let target = other.baseURL + "/mirror/me"
        let fake = try chorus { request in
            request.path == "/api/v1/users/me" ? .respond(status: 302, headers: [("Location", target)], body: []) : nil
        }
        defer { fake.stop() }
        let conduit = try session(fake, name: "redirect-cross")

        let result = try #require(conduit.call("list_all_chorus_me"))
        #expect(!result.isError, "\(result.text.prefix(400))")
        #expect(result.structured?["result"]?.arrayValue?.first?["id"] == "u-other-origin", "the result is not the other origin's answer")
        #expect(fake.requests.first?.header("Authorization") == FakeChorus.token)
        let received = try #require(other.requests.first)
        #expect(received.header("Authorization") == nil, "the other origin received the API token")
        #expect(!received.headers.values.contains { $0.contains(FakeChorus.token) }, "the token appeared in another header")
        #expect(conduit.leaks(of: [FakeChorus.token]).isEmpty)
    }

    /// Same host and scheme, another port (and the same port under another host name)
    /// is another origin too.
    @Test func anotherHostNameForTheSamePortIsAnotherOrigin() throws {
        let fake = try chorus { request in
            switch (request.path, request.header("Host")?.hasPrefix("localhost") == true) {
            case ("/api/v1/users/me", false):
                return .respond(status: 302, headers: [("Location", "http://localhost:\(request.header("Host")?.split(separator: ":").last ?? "")/renamed/me")], body: [])
            case ("/renamed/me", true):
                return Self.me(request.header("Authorization") == nil ? "u-no-auth" : "u-with-auth")
            default:
                return nil
            }
        }
        defer { fake.stop() }
        let conduit = try session(fake, name: "redirect-localhost")
        let result = try #require(conduit.call("list_all_chorus_me"))
        #expect(!result.isError, "\(result.text.prefix(400))")
        #expect(result.structured?["result"]?.arrayValue?.first?["id"] == "u-no-auth", "\(fake.requests.map { "\($0.path) auth=\($0.header("Authorization") != nil)" })")
    }

    @Test func aRedirectLoopIsAClearErrorInBoundedTime() throws {
        let fake = try chorus { request in
            switch request.path {
            case "/api/v1/users/me": .respond(status: 302, headers: [("Location", "/loop/a")], body: [])
            case "/loop/a": .respond(status: 302, headers: [("Location", "/loop/b")], body: [])
            case "/loop/b": .respond(status: 302, headers: [("Location", "/loop/a")], body: [])
            default: nil
            }
        }
        defer { fake.stop() }
        let conduit = try session(fake, name: "redirect-loop")

        let started = Date()
        let outcome = callUnlessItDies(conduit, "list_all_chorus_me")
        let elapsed = Date().timeIntervalSince(started)
        guard try survived(conduit, "a redirect loop") else { return }
        let result = try #require(outcome)
        #expect(result.isError)
        #expect(result.message.contains("Chorus") && result.message.contains("127.0.0.1"), "\(result.message)")
        #expect(result.message.localizedCaseInsensitiveContains("redirect"), "\(result.message)")
        #expect(!result.message.contains("URL error"), "\(result.message)")
        #expect(elapsed < 5, "the loop took \(elapsed) s")
        let hops = fake.requests.count
        #expect(hops >= 2 && hops <= 21, "the fake saw \(hops) requests")
        #expect(conduit.ping())
        let normal = try #require(conduit.call("get_single_chorus_conversation_by_id", ["id": .string(FakeChorus.engagementIDs[0])]))
        #expect(!normal.isError)
    }

    /// Calls a tool and waits for its result, or for the process to exit (up to 8 s).
    private func callUnlessItDies(_ session: VendorSession, _ name: String) -> ToolOutcome? {
        let id = session.send(name, [:])
        let deadline = Date().addingTimeInterval(8)
        while Date() < deadline {
            if let outcome = session.outcome(of: id, timeout: 0.1) { return outcome }
            if session.conduit.waitForExit(timeout: 0) != nil { return nil }
        }
        return nil
    }

    /// Whether the server process is still running after `what`; if it died, the caller
    /// stops, since writing to the dead process's stdin would raise SIGPIPE in the runner.
    private func survived(_ session: VendorSession, _ what: String) throws -> Bool {
        let exit = session.conduit.waitForExit(timeout: 0.5)
        #expect(exit == nil, "conduit exited (\(exit ?? 0)) after \(what): \(session.conduit.standardError.split(separator: "\n").first ?? "")")
        return exit == nil
    }

    @Test func aRedirectToAnotherSchemeIsRefused() throws {
        let fake = try chorus { request in
            request.path == "/api/v1/users/me" ? .respond(status: 302, headers: [("Location", "ftp://127.0.0.1/me")], body: []) : nil
        }
        defer { fake.stop() }
        let conduit = try session(fake, name: "redirect-ftp")
        let started = Date()
        let outcome = callUnlessItDies(conduit, "list_all_chorus_me")
        guard try survived(conduit, "a redirect to ftp://") else { return }
        let result = try #require(outcome)
        #expect(result.isError, "\(result.text.prefix(300))")
        #expect(result.message.contains("Chorus"), "\(result.message)")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(fake.requests.count == 1)
        #expect(conduit.ping())
    }
}
