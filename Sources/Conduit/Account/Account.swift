import Foundation

/// A start-up problem with the account: one sentence naming the file and the field.
package struct AccountError: Error, Sendable, CustomStringConvertible {
    package var description: String

    package init(_ description: String) {
        self.description = description
    }
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
    /// Where the account came from, for messages.
    package var source: String

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
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw AccountError(exists ? "\(path): cannot read the account file" : "\(path): account file not found")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(Array(data))
        } catch {
            throw AccountError("\(path): the account file is not valid JSON: \(error)")
        }
        return try parse(document, source: path, environment: environment)
    }

    package static func parse(_ document: JSONValue, source: String, environment: [String: String]) throws(AccountError) -> Account {
        guard case .object(let root) = document else {
            throw AccountError("\(source): the account file must hold a JSON object")
        }
        let known: Set<String> = ["$comment", "integration", "base_url", "credentials", "server"]
        if let unknown = root.keys.first(where: { !known.contains($0) }) {
            throw AccountError("\(source): unknown field \"\(unknown)\" (expected integration, base_url, credentials, server)")
        }
        guard case .string(let integration)? = root["integration"], !integration.isEmpty else {
            throw AccountError("\(source): field \"integration\" is missing; name a bundled integration (chorus, gong, coviu) or a definition file")
        }
        var baseURL: String?
        if let value = root["base_url"], !value.isNull {
            guard case .string(let url) = value else { throw AccountError("\(source): field \"base_url\" must be a string") }
            let expanded = try expand(url, field: "base_url", source: source, environment: environment)
            guard let parsed = URL(string: expanded), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
                throw AccountError("\(source): field \"base_url\" must be an http:// or https:// URL")
            }
            baseURL = expanded.hasSuffix("/") ? String(expanded.dropLast()) : expanded
        }
        var credentials: [String: String] = [:]
        if let value = root["credentials"] {
            guard case .object(let object) = value else {
                throw AccountError("\(source): field \"credentials\" must be an object")
            }
            for (name, raw) in object {
                guard case .string(let text) = raw else {
                    throw AccountError("\(source): field \"credentials.\(name)\" must be a string")
                }
                let expanded = try expand(text, field: "credentials.\(name)", source: source, environment: environment)
                if !expanded.isEmpty { credentials[name] = expanded }
            }
        }
        var settings = ServerSettings()
        if let value = root["server"], !value.isNull {
            settings = try ServerSettings.parse(value, source: source)
        }
        return Account(integration: integration, baseURL: baseURL, credentials: credentials, settings: settings, source: source)
    }

    /// Replaces every `${NAME}` with the environment variable's value; an unset variable is an error.
    static func expand(_ text: String, field: String, source: String, environment: [String: String]) throws(AccountError) -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
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
