#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stand-in for one vendor's API: answers HTTP requests the way the vendor does
/// (auth check, paging, error shapes), from in-memory sample data.
protocol SandboxVendor: Sendable {
    /// Answers one request to the API origin.
    func respond(to request: SandboxRequest) -> SandboxResponse
    /// Answers one request to the storage origin, for vendors that hand out file links there.
    func respondFromStorage(to request: SandboxRequest) -> SandboxResponse
}

extension SandboxVendor {
    func respondFromStorage(to request: SandboxRequest) -> SandboxResponse {
        SandboxResponse(status: 404)
    }
}

/// `conduit … --sandbox NAME`: a bundled integration run against a built-in, offline
/// stand-in of its vendor's API, with made-up sample data.
///
/// The stand-in is a real HTTP/1.1 server inside the conduit process, so everything else
/// runs as it does for a real account: auth headers, argument routing, paging,
/// redirects, files. It listens on Unix sockets in a folder only this user can enter,
/// under names that never resolve (`http://chorus.sandbox.invalid`): no network is
/// needed (not even loopback) and no other user can connect. Writes change the sample
/// data until the process exits.
package enum Sandbox {
    /// A bundled integration's stand-in: how to start it, and how many records its main
    /// list holds at start.
    struct Stand: Sendable {
        var name: String
        var start: @Sendable () throws(SandboxError) -> RunningSandbox
        var seededMainListCount: @Sendable () -> Int
    }

    /// Every sandbox, in one list: a bundled integration gains a sandbox by an entry here.
    static let stands: [Stand] = [
        Stand(
            name: "chorus",
            start: { () throws(SandboxError) in
                let vendor = ChorusSandbox()
                let storage = try server(vendor.respondFromStorage, origin: .storage, name: "chorus")
                vendor.useStorage(at: storage.server.origin)
                return try RunningSandbox(
                    name: "chorus", vendor: vendor, credentials: ["api_token": ChorusSandbox.apiToken], extraServers: [storage])
            },
            seededMainListCount: { ChorusSandbox.seed().engagements.count }),
        Stand(
            name: "gong",
            start: { () throws(SandboxError) in
                try RunningSandbox(
                    name: "gong", vendor: GongSandbox(),
                    credentials: ["access_key": GongSandbox.accessKey, "access_key_secret": GongSandbox.accessKeySecret])
            },
            seededMainListCount: { GongSandbox.seed().calls.count }),
        Stand(
            name: "coviu",
            start: { () throws(SandboxError) in
                try RunningSandbox(
                    name: "coviu", vendor: CoviuSandbox(),
                    credentials: ["client_id": CoviuSandbox.clientID, "client_secret": CoviuSandbox.clientSecret])
            },
            seededMainListCount: { CoviuSandbox.seed().sessions.count - CoviuSandbox.seed().canceled.count }),
    ]

    /// The integrations that have a sandbox.
    package static var names: [String] { stands.map(\.name) }

    /// Starts the stand-in for `name` (an API origin, and for Chorus a second "storage"
    /// origin for media links) and returns how to reach it.
    package static func start(_ name: String) throws(SandboxError) -> RunningSandbox {
        guard let stand = stands.first(where: { $0.name == name }) else {
            throw SandboxError("there is no sandbox named \"\(name)\" (sandboxes: \(names.joined(separator: ", ")))")
        }
        return try stand.start()
    }

    /// `--sandbox SPEC`: the stand-in of an imported API, built from its document.
    package static func start(name: String, spec vendor: SpecSandbox, credentials: [String: String]) throws(SandboxError) -> RunningSandbox {
        try RunningSandbox(name: name, vendor: vendor, credentials: credentials)
    }

    /// Which origin of a sandbox a request reached.
    package enum Origin: String, Sendable { case api, storage }

    static func server(
        _ respond: @escaping @Sendable (SandboxRequest) -> SandboxResponse, origin: Origin, name: String
    ) throws(SandboxError) -> (server: SandboxHTTPServer, log: SandboxRequestLog) {
        let log = SandboxRequestLog()
        let folder = try SandboxSockets.folder()
        let host = origin == .api ? "\(name).sandbox.invalid" : "\(origin.rawValue).\(name).sandbox.invalid"
        let socket = folder + "/\(origin.rawValue)-\(name)-\(SandboxSockets.next()).sock"
        let server = try SandboxHTTPServer(socketPath: socket, origin: "http://\(host)") { request in
            log.record(request, origin: origin)
            return respond(request)
        }
        return (server, log)
    }

    /// How many records the main list of each sandbox holds at start (Chorus
    /// engagements, Gong calls, Coviu sessions without the cancelled ones).
    package static func seededMainListCount(_ name: String) -> Int {
        stands.first { $0.name == name }?.seededMainListCount() ?? 0
    }
}

/// A sandbox's recent requests, kept for tests and `--log-level debug`: what reached
/// which origin with which headers.
package final class SandboxRequestLog: Sendable {
    package struct Entry: Sendable {
        package var origin: Sandbox.Origin
        package var request: SandboxRequest
    }

    private let entries = Mutex<[Entry]>([])
    /// Enough for any test; a long-running sandbox forgets the oldest.
    private static let capacity = 2000

    func record(_ request: SandboxRequest, origin: Sandbox.Origin) {
        entries.withLock {
            if $0.count >= Self.capacity { $0.removeFirst($0.count / 2) }
            $0.append(Entry(origin: origin, request: request))
        }
    }

    package var all: [Entry] { entries.withLock { $0 } }
}

/// A started sandbox: where it listens and the made-up credentials its stand-in accepts.
package final class RunningSandbox: Sendable {
    /// The bundled integration this sandbox stands in for.
    package let name: String
    /// The API origin, used as the account's `base_url`.
    package let baseURL: String
    /// Clearly fake credentials, checked by the stand-in exactly as the vendor checks real ones.
    package let credentials: [String: String]
    private let servers: [SandboxHTTPServer]
    private let logs: [SandboxRequestLog]
    /// Where each origin listens: the HTTP client connects there instead of resolving it.
    package let unixSockets: [String: String]

    fileprivate init(
        name: String, vendor: some SandboxVendor, credentials: [String: String],
        extraServers: [(server: SandboxHTTPServer, log: SandboxRequestLog)] = []
    ) throws(SandboxError) {
        let api = try Sandbox.server(vendor.respond, origin: .api, name: name)
        self.name = name
        baseURL = api.server.origin
        self.credentials = credentials
        servers = [api.server] + extraServers.map(\.server)
        var sockets: [String: String] = [:]
        for server in servers {
            if let path = server.socketPath, let url = URL(string: server.origin) { sockets[Conduit.origin(of: url)] = path }
        }
        unixSockets = sockets
        logs = [api.log] + extraServers.map(\.log)
    }

    /// Every request the sandbox's origins received, oldest first per origin.
    package var requests: [SandboxRequestLog.Entry] { logs.flatMap(\.all) }

    /// Stops listening (tests); a server process keeps its sandbox until it exits.
    package func stop() {
        for server in servers { server.stop() }
    }

    /// The account a sandbox run uses: the bundled integration, pointed at the stand-in.
    package var account: Account {
        var account = Account(integration: name, baseURL: baseURL, credentials: credentials, source: "sandbox \(name)")
        account.unixSockets = unixSockets
        // The stand-in answers at once; a stuck call is a bug worth seeing quickly.
        account.timeouts = HTTPTimeouts(idle: 15, total: 30, download: 60)
        return account
    }
}

/// The private folder that holds this process's sandbox sockets: made on first use
/// (0700, so no other user can connect), removed with its sockets when the process exits.
enum SandboxSockets {
    private static let made = Mutex<String?>(nil)
    private static let count = Mutex(0)

    /// A number for the next socket: one process may run a sandbox more than once (tests).
    static func next() -> Int {
        count.withLock {
            $0 += 1
            return $0
        }
    }

    static func folder() throws(SandboxError) -> String {
        let result = made.withLock { folder -> Result<String, SandboxError> in
            if let folder { return .success(folder) }
            // A Unix socket path must stay short (about 100 bytes); a long TMPDIR falls back to /tmp.
            var base = FileStore.temporaryBase
            if base.utf8.count > 60 { base = "/tmp" }
            var template = Array("\(base)/conduit-sandbox-XXXXXX".utf8CString)
            guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
                return .failure(SandboxError("cannot create a private folder for the sandbox in \(base): \(String(cString: strerror(errno)))"))
            }
            let path = String(cString: created)
            folder = path
            atexit { SandboxSockets.removeAll() }
            return .success(path)
        }
        return try result.get()
    }

    /// Removes the folder and the sockets in it.
    static func removeAll() {
        guard let folder = made.withLock({ $0 }) else { return }
        if let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            for name in names { unlink(folder + "/" + name) }
        }
        rmdir(folder)
    }
}
