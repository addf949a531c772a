import Conduit
import Foundation
import Synchronization

/// The built `conduit` executable, run as an MCP client would run it: a child
/// process with pipes for stdin, stdout and stderr.
final class ConduitProcess: Sendable {
    /// Where the binary is: `CONDUIT_BINARY`, else this package's debug build.
    static var binaryPath: String {
        if let path = ProcessInfo.processInfo.environment["CONDUIT_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/conduit").path
    }

    private let process: Process
    private let stdin: FileHandle
    private let lines = Mutex<[String]>([])
    private let stderrText = Mutex<String>("")
    private let arrived = DispatchSemaphore(value: 0)
    private let transcript: WireTranscript

    /// Starts `conduit` with these arguments and environment additions.
    init(_ arguments: [String], environment: [String: String] = [:], transcriptName: String = "session") throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "CONDUIT_ACCOUNT")
        env.removeValue(forKey: "CONDUIT_API_TOKEN")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        stdin = input.fileHandleForWriting
        transcript = WireTranscript(name: transcriptName)
        try process.run()

        let outputHandle = output.fileHandleForReading
        let thread = Thread { [self] in
            var pending: [UInt8] = []
            while true {
                let data = outputHandle.availableData
                if data.isEmpty { break }
                pending.append(contentsOf: data)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    transcript.record(line)
                    lines.withLock { $0.append(line) }
                    arrived.signal()
                }
            }
            if !pending.isEmpty {
                lines.withLock { $0.append(String(decoding: pending, as: UTF8.self)) }
                arrived.signal()
            }
        }
        thread.start()
        let errorHandle = errors.fileHandleForReading
        let errorThread = Thread { [self] in
            while true {
                let data = errorHandle.availableData
                if data.isEmpty { break }
                stderrText.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
        }
        errorThread.start()
    }

    /// Every stdout line so far.
    var output: [String] { lines.withLock { $0 } }
    var standardError: String { stderrText.withLock { $0 } }

    func send(_ text: String) {
        stdin.write(Data((text + "\n").utf8))
    }

    func send(_ message: JSONValue, revision: String? = nil) {
        if let revision, case .string(let method)? = message["method"], let id = message["id"] {
            transcript.expect(id: id, method: method, revision: revision)
        } else if let revision {
            transcript.setRevision(revision)
        }
        send(message.jsonString)
    }

    func stdinRaw(_ bytes: [UInt8]) {
        stdin.write(Data(bytes))
    }

    /// Tells the transcript which method a raw-text request with this id calls.
    func expectResponse(id: JSONValue, method: String, revision: String) {
        transcript.expect(id: id, method: method, revision: revision)
    }

    func setRevisionForTranscript(_ revision: String) {
        transcript.setRevision(revision)
    }

    func closeInput() {
        try? stdin.close()
    }

    /// Waits for the next line matching `predicate`; nil after `timeout` seconds.
    func waitForLine(timeout: TimeInterval = 10, where predicate: (JSONValue) -> Bool) -> JSONValue? {
        let deadline = Date().addingTimeInterval(timeout)
        var seen = 0
        while true {
            let current = output
            while seen < current.count {
                if let value = try? JSONValue.parse(current[seen]), predicate(value) { return value }
                seen += 1
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            _ = arrived.wait(timeout: .now() + min(remaining, 0.2))
        }
    }

    /// Waits for the response to request `id`.
    func response(to id: JSONValue, timeout: TimeInterval = 10) -> JSONValue? {
        waitForLine(timeout: timeout) { $0["id"] == id && ($0["result"] != nil || $0["error"] != nil) }
    }

    /// Sends a request and waits for its response.
    func request(_ id: Int64, _ method: String, _ params: JSONObject = [:], revision: String, timeout: TimeInterval = 10) -> JSONValue? {
        send(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": .object(params)], revision: revision)
        return response(to: .int(id), timeout: timeout)
    }

    /// Waits for exit; nil if still running after `timeout`.
    func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func terminate() {
        if process.isRunning { process.terminate() }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }
}

/// The initialize handshake's request.
func initializeParams(_ version: String) -> JSONObject {
    ["protocolVersion": .string(version), "capabilities": [:], "clientInfo": ["name": "conduit-tests", "version": "1.0"]]
}

/// `_meta` for a 2026-07-28 request.
func modernMeta(_ extra: JSONObject = [:], version: String = "2026-07-28") -> JSONObject {
    var meta: JSONObject = [
        "io.modelcontextprotocol/protocolVersion": .string(version),
        "io.modelcontextprotocol/clientCapabilities": [:],
        "io.modelcontextprotocol/clientInfo": ["name": "conduit-tests", "version": "1.0"],
    ]
    for (key, value) in extra { meta[key] = value }
    return meta
}

/// Records every stdout line with the revision in use and the method it answers, for
/// schema validation by Tests/Interop (when `CONDUIT_WIRE_LOG` names a folder).
final class WireTranscript: Sendable {
    private let state = Mutex<(revision: String?, methods: [JSONValue: String], file: FileHandle?)>((nil, [:], nil))

    init(name: String) {
        guard let folder = ProcessInfo.processInfo.environment["CONDUIT_WIRE_LOG"] else { return }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let path = "\(folder)/\(name)-\(UUID().uuidString.prefix(8)).jsonl"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = FileHandle(forWritingAtPath: path)
        state.withLock { $0.file = handle }
    }

    func expect(id: JSONValue, method: String, revision: String) {
        state.withLock {
            $0.methods[id] = method
            $0.revision = revision
        }
    }

    func setRevision(_ revision: String) {
        state.withLock { $0.revision = revision }
    }

    func record(_ line: String) {
        state.withLock { state in
            guard let file = state.file, let revision = state.revision, let parsed = try? JSONValue.parse(line) else { return }
            // A batch response is recorded element by element.
            for message in parsed.arrayValue ?? [parsed] {
                var method: JSONValue = .null
                if let id = message["id"], let known = state.methods[id] { method = .string(known) }
                let entry: JSONValue = ["revision": .string(revision), "method": method, "message": message]
                file.write(Data((entry.jsonString + "\n").utf8))
            }
        }
    }
}
