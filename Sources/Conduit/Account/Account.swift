#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Start-up problems with the account: one sentence each, naming the file and the field.
package struct AccountError: Error, Sendable, CustomStringConvertible {
    package var problems: [String]
    package var description: String { problems.joined(separator: "\n") }

    package init(_ description: String) {
        problems = [description]
    }

    package init(problems: [String]) {
        self.problems = problems
    }
}

/// Gathers the problems of an account file so that one run reports all of them: each
/// field is read on its own, and a field that fails leaves its default in place.
struct ProblemList {
    private(set) var problems: [String] = []

    /// The value `read` produces, or nil with its problems noted.
    mutating func attempt<T>(_ read: () throws(AccountError) -> T) -> T? {
        do {
            return try read()
        } catch {
            problems += error.problems
            return nil
        }
    }

    /// `attempt` for a read whose value is optional anyway.
    mutating func read<T>(_ body: () throws(AccountError) -> T?) -> T? {
        attempt(body) ?? nil
    }

    mutating func note(_ problem: String) { problems.append(problem) }
}

/// The account file: which integration, where, with which credentials, and the
/// server settings that scope what the agent may touch.
package struct Account: Sendable {
    /// A bundled integration name or a path to a definition file.
    package var integration: String
    package var baseURL: String?
    /// Credential values after `${ENV}` expansion. Never printed.
    package var credentials: [String: String]
    package var settings: ServerSettings
    /// Upstream timeouts (`timeouts`).
    package var timeouts = HTTPTimeouts()
    /// Opt-in waiting on 429/503 (`retry`); nil = never retry.
    package var retry: RetryPolicy?
    /// Where and how downloaded files are kept (`files`).
    package var files = FileSettings()
    /// Where the account came from, for messages.
    package var source: String
    /// Origins reached through a Unix socket (origin → path): set by the built-in
    /// sandboxes, never read from an account file.
    package var unixSockets: [String: String] = [:]

    package init(
        integration: String, baseURL: String? = nil, credentials: [String: String] = [:],
        settings: ServerSettings = ServerSettings(), source: String
    ) {
        self.integration = integration
        self.baseURL = baseURL
        self.credentials = credentials
        self.settings = settings
        self.source = source
    }

    /// Reads and parses an account file, expanding `${NAME}` from `environment`.
    package static func load(path: String, environment: [String: String]) throws(AccountError) -> Account {
        var problems: [String] = []
        guard let account = load(path: path, environment: environment, problems: &problems), problems.isEmpty else {
            throw AccountError(problems: problems)
        }
        return account
    }

    /// Reads an account file, noting every problem in `problems` and keeping going: what
    /// a field that fails would have set keeps its default (so `conduit check` can go on
    /// to the definition). Nil when the file cannot be read or is not JSON.
    package static func load(path: String, environment: [String: String], problems: inout [String]) -> Account? {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            problems.append(exists ? "\(path): cannot read the account file" : "\(path): account file not found")
            return nil
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(Array(data))
        } catch {
            problems.append("\(path): the account file is not valid JSON: \(error)")
            return nil
        }
        var list = ProblemList()
        let account = read(document, source: path, environment: environment, into: &list)
        problems += list.problems
        return account
    }

    package static func parse(_ document: JSONValue, source: String, environment: [String: String]) throws(AccountError) -> Account {
        var list = ProblemList()
        let account = read(document, source: source, environment: environment, into: &list)
        if !list.problems.isEmpty { throw AccountError(problems: list.problems) }
        return account
    }

    private static func read(_ document: JSONValue, source: String, environment: [String: String], into list: inout ProblemList) -> Account {
        guard case .object(let root) = document else {
            list.note("\(source): the account file must hold a JSON object")
            return Account(integration: "", source: source)
        }
        let known: Set<String> = ["$comment", "integration", "base_url", "credentials", "server", "timeouts", "retry", "files"]
        for unknown in root.keys where !known.contains(unknown) {
            list.note("\(source): unknown field \"\(unknown)\" (expected integration, base_url, credentials, server, timeouts, retry, files)")
        }
        var integration = ""
        if case .string(let name)? = root["integration"], !name.isEmpty {
            integration = name
        } else {
            list.note("\(source): field \"integration\" is missing; name a bundled integration (\(BundledIntegrations.names.joined(separator: ", "))) or a definition file")
        }
        var baseURL: String?
        if let value = root["base_url"], !value.isNull {
            list.attempt { () throws(AccountError) in
                guard case .string(let url) = value else { throw AccountError("\(source): field \"base_url\" must be a string") }
                let expanded = try expand(url, field: "base_url", source: source, environment: environment)
                guard let parsed = URL(string: expanded), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
                    throw AccountError("\(source): field \"base_url\" must be an http:// or https:// URL")
                }
                baseURL = expanded.hasSuffix("/") ? String(expanded.dropLast()) : expanded
            }
        }
        var credentials: [String: String] = [:]
        if let value = root["credentials"] {
            if case .object(let object) = value {
                for (name, raw) in object {
                    list.attempt { () throws(AccountError) in
                        guard case .string(let text) = raw else {
                            throw AccountError("\(source): field \"credentials.\(name)\" must be a string")
                        }
                        let expanded = try expand(text, field: "credentials.\(name)", source: source, environment: environment)
                        if !expanded.isEmpty { credentials[name] = expanded }
                    }
                }
            } else {
                list.note("\(source): field \"credentials\" must be an object")
            }
        }
        var settings = ServerSettings()
        if let value = root["server"], !value.isNull {
            settings = ServerSettings.read(value, source: source, into: &list)
        }
        var account = Account(integration: integration, baseURL: baseURL, credentials: credentials, settings: settings, source: source)
        let fields = SettingsReader(source: source)
        if let object = list.read({ () throws(AccountError) in
            try fields.object(root["timeouts"], "timeouts", allowed: ["idle_seconds", "total_seconds", "download_seconds"])
        }) {
            account.timeouts.idle = list.read { () throws(AccountError) in try fields.seconds(object, "timeouts", "idle_seconds") } ?? account.timeouts.idle
            account.timeouts.total = list.read { () throws(AccountError) in try fields.seconds(object, "timeouts", "total_seconds") } ?? account.timeouts.total
            account.timeouts.download =
                list.read { () throws(AccountError) in try fields.seconds(object, "timeouts", "download_seconds") } ?? account.timeouts.download
        }
        if let object = list.read({ () throws(AccountError) in
            try fields.object(root["retry"], "retry", allowed: ["max_attempts", "max_wait_seconds"])
        }) {
            var policy = RetryPolicy()
            policy.maxAttempts = list.read { () throws(AccountError) in try fields.integer(object, "retry", "max_attempts", range: 1...10) } ?? policy.maxAttempts
            policy.maxWait = list.read { () throws(AccountError) in try fields.seconds(object, "retry", "max_wait_seconds") } ?? policy.maxWait
            account.retry = policy
        }
        if let object = list.read({ () throws(AccountError) in
            try fields.object(root["files"], "files", allowed: ["directory", "max_bytes", "retention_hours", "inline_limit_bytes"])
        }) {
            if let value = object["directory"], !value.isNull {
                list.attempt { () throws(AccountError) in
                    guard case .string(let text) = value, !text.isEmpty else {
                        throw AccountError("\(source): field \"files.directory\" must be a folder path")
                    }
                    let expanded = try expand(text, field: "files.directory", source: source, environment: environment)
                    account.files.directory = resolve(expanded, relativeTo: source)
                }
            }
            account.files.maxBytes = list.read { () throws(AccountError) in try fields.integer(object, "files", "max_bytes", range: 1...Int.max) } ?? account.files.maxBytes
            account.files.retentionHours =
                list.read { () throws(AccountError) in try fields.integer(object, "files", "retention_hours", range: 0...100_000) } ?? account.files.retentionHours
            account.files.inlineLimitBytes =
                list.read { () throws(AccountError) in try fields.integer(object, "files", "inline_limit_bytes", range: 1024...Int.max) }
                ?? account.files.inlineLimitBytes
        }
        return account
    }

    /// A path written in the account file: absolute, or relative to the file's folder.
    package static func resolve(_ path: String, relativeTo accountPath: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return FilePath.join(FilePath.directory(of: accountPath), path)
    }

    /// Replaces every `${NAME}` with the environment variable's value; an unset variable is an error.
    static func expand(_ text: String, field: String, source: String, environment: [String: String]) throws(AccountError) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw AccountError("\(source): field \"\(field)\" has an unterminated ${ reference")
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = environment[name] else {
                throw AccountError("\(source): field \"\(field)\" refers to environment variable \(name), which is not set")
            }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }
}

/// Opt-in retries for rate limits and unavailability (`"retry"` in the account file).
package struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    package var maxAttempts = 3
    /// The longest single wait; a longer announced wait is not waited for.
    package var maxWait: TimeInterval = 30

    package init(maxAttempts: Int = 3, maxWait: TimeInterval = 30) {
        self.maxAttempts = maxAttempts
        self.maxWait = maxWait
    }
}

/// Where downloaded files go and how long they stay (`"files"` in the account file).
package struct FileSettings: Sendable, Equatable {
    /// nil = a private folder under the system temporary directory.
    package var directory: String?
    /// A download larger than this is aborted and deleted.
    package var maxBytes = 4 << 30
    /// Files older than this are removed at start; 0 keeps them.
    package var retentionHours = 24
    /// JSON responses larger than this are written to a file, with a preview inline.
    package var inlineLimitBytes = 48 << 10

    package init() {}
}

/// Typed reads of optional settings objects, with errors naming the field.
struct SettingsReader {
    var source: String

    func object(_ value: JSONValue?, _ field: String, allowed: Set<String>) throws(AccountError) -> JSONObject? {
        guard let value, !value.isNull else { return nil }
        guard case .object(let object) = value else { throw AccountError("\(source): field \"\(field)\" must be an object") }
        let unknown = object.keys.filter { !allowed.contains($0) }
        if !unknown.isEmpty {
            throw AccountError(problems: unknown.map { "\(source): unknown field \"\(field).\($0)\" (expected \(allowed.sorted().joined(separator: ", ")))" })
        }
        return object
    }

    func seconds(_ object: JSONObject, _ parent: String, _ name: String) throws(AccountError) -> TimeInterval? {
        guard let value = object[name], !value.isNull else { return nil }
        guard let number = value.doubleValue, number > 0, number <= 86_400 else {
            throw AccountError("\(source): field \"\(parent).\(name)\" must be a number of seconds above 0 and at most 86400")
        }
        return number
    }

    func integer(_ object: JSONObject, _ parent: String, _ name: String, range: ClosedRange<Int>) throws(AccountError) -> Int? {
        guard let value = object[name], !value.isNull else { return nil }
        guard case .int(let number) = value, number >= range.lowerBound, number <= range.upperBound else {
            let bound = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw AccountError("\(source): field \"\(parent).\(name)\" must be a whole number \(bound)")
        }
        return Int(number)
    }
}
