#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The account file's `server` object: identity, filters, exposure, expiry and token auth.
package struct ServerSettings: Sendable {
    package enum ToolExposure: String, Sendable { case all, discovery }

    package var name: String?
    /// `read`, `write`, `custom` or exact method names; nil keeps every method.
    package var methods: [String]?
    /// Keep tools with at least one of these tags; nil keeps every tool.
    package var tags: [String]?
    package var toolExposure: ToolExposure = .all
    package var expiresAt: Date?
    package var requireAPITokenAuth = false
    package var apiTokenSHA256: String?
    /// `server.files.upload_roots`: the folders tool calls may upload files from (absolute
    /// after expansion); nil means conduit's own download folder alone.
    package var uploadRoots: [String]?

    package init() {}

    /// Reads the `server` object, noting each problem and keeping the default of a field that fails.
    static func read(_ value: JSONValue, source: String, into list: inout ProblemList) -> ServerSettings {
        var settings = ServerSettings()
        guard case .object(let object) = value else {
            list.note("\(source): field \"server\" must be an object")
            return settings
        }
        let known: Set<String> = ["name", "methods", "tags", "tool_exposure", "expires_at", "require_api_token_auth", "api_token_sha256", "files"]
        for unknown in object.keys where !known.contains(unknown) {
            list.note("\(source): unknown field \"server.\(unknown)\" (expected \(known.sorted().joined(separator: ", ")))")
        }
        if let name = object["name"], !name.isNull {
            if case .string(let text) = name { settings.name = text } else { list.note("\(source): field \"server.name\" must be a string") }
        }
        settings.methods = list.read { () throws(AccountError) in try stringList(object["methods"], field: "server.methods", source: source) }
        settings.tags = list.read { () throws(AccountError) in try stringList(object["tags"], field: "server.tags", source: source) }
        if let exposure = object["tool_exposure"], !exposure.isNull {
            if let text = exposure.stringValue, let parsed = ToolExposure(rawValue: text) {
                settings.toolExposure = parsed
            } else {
                list.note("\(source): field \"server.tool_exposure\" must be \"all\" or \"discovery\"")
            }
        }
        if let expiry = object["expires_at"], !expiry.isNull {
            if let text = expiry.stringValue, let date = parseTimestamp(text) {
                settings.expiresAt = date
            } else {
                list.note("\(source): field \"server.expires_at\" must be an ISO 8601 date-time such as 2026-12-31T23:59:59Z")
            }
        }
        if let flag = object["require_api_token_auth"], !flag.isNull {
            if let value = flag.boolValue {
                settings.requireAPITokenAuth = value
            } else {
                list.note("\(source): field \"server.require_api_token_auth\" must be true or false")
            }
        }
        if let hash = object["api_token_sha256"], !hash.isNull {
            if let text = hash.stringValue, text.count == 64, text.allSatisfy(\.isHexDigit) {
                settings.apiTokenSHA256 = text.lowercased()
            } else {
                list.note("\(source): field \"server.api_token_sha256\" must be 64 hexadecimal digits (the SHA-256 of the token)")
            }
        }
        if let files = object["files"], !files.isNull {
            if case .object(let fields) = files {
                for unknown in fields.keys where unknown != "upload_roots" {
                    list.note("\(source): unknown field \"server.files.\(unknown)\" (expected upload_roots)")
                }
                if let roots = list.read({ () throws(AccountError) in try stringList(fields["upload_roots"], field: "server.files.upload_roots", source: source) }) {
                    var resolved: [String] = []
                    for root in roots {
                        if root.isEmpty {
                            list.note("\(source): field \"server.files.upload_roots\": an empty path is not a folder")
                        } else {
                            resolved.append(Account.resolve(root, relativeTo: source))
                        }
                    }
                    settings.uploadRoots = resolved
                }
            } else {
                list.note("\(source): field \"server.files\" must be an object, e.g. {\"upload_roots\": [\"/path/to/recordings\"]}")
            }
        }
        if settings.requireAPITokenAuth && settings.apiTokenSHA256 == nil && object["api_token_sha256"]?.isNull ?? true {
            list.note("\(source): field \"server.api_token_sha256\" is required when require_api_token_auth is true")
        }
        return settings
    }

    private static func stringList(_ value: JSONValue?, field: String, source: String) throws(AccountError) -> [String]? {
        guard let value, !value.isNull else { return nil }
        guard case .array(let elements) = value else {
            throw AccountError("\(source): field \"\(field)\" must be an array of strings")
        }
        var result: [String] = []
        for element in elements {
            guard case .string(let text) = element else {
                throw AccountError("\(source): field \"\(field)\" must be an array of strings")
            }
            result.append(text)
        }
        return result
    }
}

/// Parses RFC 3339 / ISO 8601 timestamps with or without fractional seconds.
package func parseTimestamp(_ text: String) -> Date? {
    Timestamp.parse(text)
}
