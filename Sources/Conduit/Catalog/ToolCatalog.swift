/// The tools one server offers: the definition's documented tools, narrowed by the
/// account's `server.methods` and `server.tags` filters (combined with AND).
///
/// A tool the filters remove does not exist as far as clients can tell: it is
/// neither listed nor callable.
package struct ToolCatalog: Sendable {
    package let visible: [Tool]
    private let index: [String: Int]

    package init(tools: [Tool], settings: ServerSettings, source: String) throws(AccountError) {
        // A filter entry that names nothing is a typo, not a wish for fewer tools.
        var unknown: [String] = []
        if let methods = settings.methods {
            let groups = ["read", "write", "custom"]
            let names = Set(tools.map(\.method.name))
            for entry in methods where !groups.contains(entry) && !names.contains(entry) {
                let choices = groups + names.sorted()
                let close = choices.filter { DiscoveryTools.editDistance(Array(entry.utf8), Array($0.utf8), limit: 2) <= 2 }
                unknown.append(
                    "\(source): field \"server.methods\": \"\(entry)\" is neither read, write, custom nor a method name of this integration"
                        + (close.isEmpty ? "" : " (did you mean \"\(close[0])\"?)"))
            }
        }
        if let tags = settings.tags {
            let known = Set(tools.flatMap(\.tags))
            for entry in tags where !known.contains(entry) {
                unknown.append("\(source): field \"server.tags\": \"\(entry)\" is not a tag of this integration (tags: \(known.sorted().joined(separator: ", ")))")
            }
        }
        if !unknown.isEmpty { throw AccountError(problems: unknown) }
        let kept = tools.filter { Self.keeps($0, settings: settings) }
        guard !kept.isEmpty else {
            var filters: [String] = []
            if let methods = settings.methods { filters.append("methods \(methods)") }
            if let tags = settings.tags { filters.append("tags \(tags)") }
            throw AccountError("\(source): the server filters (\(filters.joined(separator: " and "))) leave no tools; check \"server.methods\" and \"server.tags\"")
        }
        visible = kept
        var index: [String: Int] = [:]
        for (offset, tool) in kept.enumerated() { index[tool.name] = offset }
        self.index = index
    }

    package static func keeps(_ tool: Tool, settings: ServerSettings) -> Bool {
        if let methods = settings.methods {
            guard methods.contains(tool.kind.group) || methods.contains(tool.method.name) else { return false }
        }
        if let tags = settings.tags {
            guard tool.tags.contains(where: tags.contains) else { return false }
        }
        return true
    }

    package func tool(named name: String) -> Tool? {
        index[name].map { visible[$0] }
    }
}
