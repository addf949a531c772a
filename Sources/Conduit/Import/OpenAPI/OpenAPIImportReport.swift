/// What an import did, for the person running it (stderr of `conduit import openapi`, and
/// `conduit check` for an account that names a document): operations kept and gated out,
/// names shortened or disambiguated, constructs simplified, tools cut to fit the context
/// budget, and the credential names the account must give.
package struct OpenAPIImportReport: Sendable {
    package var source: String
    package var title: String
    package var version: String
    package var integration: String
    package var operationCount = 0
    /// `tool ← METHOD /path`.
    package var kept: [(tool: String, operation: String)] = []
    /// Operations with neither summary nor description, left out (or included with `--include-undocumented`).
    package var gatedOut: [String] = []
    package var includedUndocumented: [String] = []
    /// Operations that could not become tools, with why.
    package var skipped: [String] = []
    /// Tool names that had to be shortened, and how.
    package var shortened: [String] = []
    /// Tool names chosen to avoid a clash, and why.
    package var disambiguated: [String] = []
    /// Document-wide simplifications (recursion cut, broken references, translated keywords, …).
    package var simplifications: [String] = []
    /// Tools cut to stay within the context budget, and how.
    package var cut: [String] = []
    /// Per scheme: its key, kind and the credential names it needs.
    package var credentials: [String] = []
    package var authNotes: [String] = []
    /// Tools whose operation accepts only some of the schemes, by the schemes it accepts.
    package var schemesByTool: [String: Int] = [:]
    /// Paging recognised, by style, with counts.
    package var paging: [String: Int] = [:]
    /// The document's tags with how many kept operations carry each, most used first.
    package var tags: [(tag: String, count: Int)] = []
    /// Where the tools are sent when the account gives no base_url.
    package var servers: [String] = []

    /// Above this many tools, the report recommends discovery mode and a tags filter.
    static let discoveryThreshold = 100

    /// The account-file settings the report suggests for a large API.
    package var recommendation: String? {
        guard kept.count > Self.discoveryThreshold else { return nil }
        let top = tags.prefix(5).map { "\"\($0.tag)\"" }.joined(separator: ", ")
        var text = "\(kept.count) tools is more than a model should see at once: in the account file set \"server\": {\"tool_exposure\": \"discovery\""
        if !top.isEmpty { text += ", \"tags\": [\(top)]" }
        text += "}"
        if !top.isEmpty { text += " (choose the tags you need from the list above)" }
        return text + "."
    }

    /// One line: `GitHub v3 REST API: 600 tools from 623 operations (20 gated out, …)`.
    package var summary: String {
        var parts = ["\(gatedOut.count) gated out for lack of documentation"]
        if !includedUndocumented.isEmpty { parts.append("\(includedUndocumented.count) undocumented included") }
        if !skipped.isEmpty { parts.append("\(skipped.count) skipped") }
        parts.append("\(shortened.count) names shortened")
        parts.append("\(disambiguated.count) disambiguated")
        if !cut.isEmpty { parts.append("\(cut.count) tools cut to fit") }
        return "\(title) (\(source), \(version)): \(kept.count) tools from \(operationCount) operations (\(parts.joined(separator: ", ")))"
    }

    /// The whole report, as lines of text. Every entry of every section is listed (every
    /// operation gated out, every name changed, every tool cut); the kept tools too when
    /// there are at most `discoveryThreshold` of them, or all of them with `everyTool`.
    package func rendered(everyTool: Bool = false) -> String {
        var lines = ["conduit import openapi: \(summary)", "integration name: \(integration)"]
        func section(_ title: String, _ entries: [String]) {
            guard !entries.isEmpty else { return }
            lines.append("")
            lines.append("\(title) (\(entries.count)):")
            for entry in entries { lines.append("  \(entry)") }
        }
        section("Credentials the account must give under \"credentials\" (any one scheme)", credentials)
        section("Auth notes", authNotes + schemesByTool.sorted { $0.key < $1.key }.map { schemes, count in
            let tools = "\(count) tool\(count == 1 ? "" : "s")"
            return schemes.isEmpty
                ? "\(tools) send\(count == 1 ? "s" : "") no credentials: the document leaves \(count == 1 ? "its operation" : "their operations") open"
                : "\(tools) accept\(count == 1 ? "s" : "") only \(schemes): \(count == 1 ? "its" : "their") calls use the first of these the account has credentials for"
        })
        section("Servers (the account's base_url replaces them all)", servers)
        section("Gated out: no summary and no description (--include-undocumented keeps them)", gatedOut)
        section("Included without documentation", includedUndocumented)
        section("Skipped", skipped)
        section("Names shortened to 64 characters", shortened)
        section("Names disambiguated", disambiguated)
        section("Simplified", simplifications)
        section("Tools cut to fit the context budget", cut)
        if !paging.isEmpty {
            lines.append("")
            lines.append("Paging recognised: " + paging.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if !tags.isEmpty {
            lines.append("")
            lines.append("Tags (for server.tags): " + tags.map { "\($0.tag) (\($0.count))" }.joined(separator: ", "))
        }
        if let recommendation {
            lines.append("")
            lines.append("Recommended: \(recommendation)")
        }
        if everyTool || kept.count <= Self.discoveryThreshold {
            section("Tools", kept.map { "\($0.tool)  ←  \($0.operation)" })
        } else {
            lines.append("")
            lines.append("Tools: \(kept.count), each named in the definition (conduit tools --account FILE lists them).")
        }
        return lines.joined(separator: "\n")
    }
}
