/// `tool_exposure: discovery`: instead of the whole catalog, clients see three
/// meta-tools that let a model find, inspect and run the catalog's tools on demand,
/// which keeps a large catalog out of the model's context.
///
/// The catalog behind them is the filtered one, so a tool the account's filters hide
/// can be neither found, described nor run.
package struct DiscoveryTools: Sendable {
    package static let searchName = "search_tools"
    package static let schemaName = "get_tool_schema"
    package static let callName = "call_tool"
    package static let names: Set<String> = [searchName, schemaName, callName]

    static let defaultSearchLimit = 10
    static let maximumSearchLimit = 50
    static let maximumSchemaNames = 5

    let catalog: ToolCatalog

    package init(catalog: ToolCatalog) {
        self.catalog = catalog
    }

    /// What a call to a meta-tool turns into.
    package enum Outcome: Sendable {
        /// Answered from the catalog alone.
        case answered(ToolCallResult)
        /// `call_tool` resolved to a catalog tool: run it like a direct call.
        case run(Tool, JSONObject)
    }

    // MARK: - Listing

    package func render(revision: ProtocolRevision) -> [JSONValue] {
        let everythingReadOnly = catalog.visible.allSatisfy { $0.annotations.readOnly }
        let anythingDestructive = catalog.visible.contains { $0.annotations.destructive }
        let lookup = ToolAnnotations(title: "", readOnly: true, destructive: false, idempotent: true, openWorld: false)
        return [
            ToolRendering.render(
                name: Self.searchName, title: "Search tools",
                description: """
                    Find the tools this server offers for a task. Searches tool names, titles, descriptions, API \
                    resources, tags, argument names, operationIds and paths, and returns the best matches first with a one-line summary \
                    each. Call with an empty query to list every tool name grouped by resource. Then call \
                    get_tool_schema for the exact arguments, and call_tool to run one.
                    """,
                inputSchema: [
                    "type": "object",
                    "properties": [
                        "query": [
                            "type": "string",
                            "description": "Words describing what you want to do, e.g. \"transcript of a call\" or \"add participant\". Empty lists all tools.",
                        ],
                        "limit": [
                            "type": "integer", "minimum": 1, "maximum": .int(Int64(Self.maximumSearchLimit)),
                            "default": .int(Int64(Self.defaultSearchLimit)), "description": "Most matches to return.",
                        ],
                    ],
                    "additionalProperties": false,
                ],
                outputSchema: nil, annotations: titled(lookup, "Search tools"), tags: [], revision: revision),
            ToolRendering.render(
                name: Self.schemaName, title: "Get tool schemas",
                description: """
                    Get the full definition of one to \(Self.maximumSchemaNames) tools by exact name: description, \
                    input schema (argument names, types, which are required), output schema and hints. Read it \
                    before call_tool so the arguments are right the first time.
                    """,
                inputSchema: [
                    "type": "object",
                    "properties": [
                        "names": [
                            "type": "array", "items": ["type": "string"], "minItems": 1,
                            "maxItems": .int(Int64(Self.maximumSchemaNames)),
                            "description": "Exact tool names, as search_tools returns them.",
                        ]
                    ],
                    "required": ["names"],
                    "additionalProperties": false,
                ],
                outputSchema: nil, annotations: titled(lookup, "Get tool schemas"), tags: [], revision: revision),
            ToolRendering.render(
                name: Self.callName, title: "Call a tool",
                description: """
                    Run one tool by name with its arguments, exactly as if it had been called directly; the result \
                    is that tool's result. Get the tool's schema with get_tool_schema first. For list tools, pass \
                    next_cursor inside "arguments" exactly as received to get the next page.
                    """,
                inputSchema: [
                    "type": "object",
                    "properties": [
                        "name": ["type": "string", "description": "The exact tool name."],
                        "arguments": [
                            "type": "object", "description": "The tool's arguments, as its input schema describes. Omit for none.",
                        ],
                    ],
                    "required": ["name"],
                    "additionalProperties": false,
                ],
                outputSchema: nil,
                annotations: ToolAnnotations(
                    title: "Call a tool", readOnly: everythingReadOnly, destructive: anythingDestructive, idempotent: false,
                    openWorld: true),
                tags: [], revision: revision),
        ]
    }

    private func titled(_ annotations: ToolAnnotations, _ title: String) -> ToolAnnotations {
        var copy = annotations
        copy.title = title
        return copy
    }

    // MARK: - Calls

    /// Handles a call to one of the meta-tools; nil when `name` is not one.
    package func handle(name: String, arguments: JSONObject, revision: ProtocolRevision) -> Outcome? {
        switch name {
        case Self.searchName: return .answered(search(arguments))
        case Self.schemaName: return .answered(schemas(arguments, revision: revision))
        case Self.callName: return call(arguments)
        default: return nil
        }
    }

    private func search(_ arguments: JSONObject) -> ToolCallResult {
        var problems = unknownKeys(arguments, allowed: ["query", "limit"])
        var query = ""
        switch arguments["query"] {
        case nil, .null?: break
        case .string(let text)?: query = text
        case let other?: problems.append("argument \"query\" must be a string, not \(other.typeName)")
        }
        var limit = Self.defaultSearchLimit
        switch arguments["limit"] {
        case nil, .null?: break
        case .int(let value)? where value >= 1 && value <= Int64(Self.maximumSearchLimit): limit = Int(value)
        case let other?: problems.append("argument \"limit\" must be an integer from 1 to \(Self.maximumSearchLimit), not \(other.jsonString)")
        }
        if !problems.isEmpty { return .failure(.invalidArguments(problems), integration: "") }

        let terms = Self.terms(query)
        if terms.isEmpty { return overview() }

        var scored: [(tool: Tool, matched: Int, score: Int, order: Int)] = []
        let exact = query.trimmed.lowercased()
        for (order, tool) in catalog.visible.enumerated() {
            var (matched, score) = Self.score(tool, terms: terms)
            // An operationId or path given exactly, as a model copies it from API documentation, comes first.
            if tool.method.operationID?.lowercased() == exact || tool.method.path.lowercased() == exact
                || "\(tool.method.http) \(tool.method.path)".lowercased() == exact
            {
                matched = terms.count
                score += 1000
            }
            if score > 0 { scored.append((tool, matched, score, order)) }
        }
        scored.sort { ($0.matched, $0.score, -$0.order) > ($1.matched, $1.score, -$1.order) }
        let shown = scored.prefix(limit)
        let matches = shown.map { entry -> JSONValue in
            var match: JSONObject = [
                "name": .string(entry.tool.name),
                "title": .string(entry.tool.title),
                "summary": .string(Self.summary(entry.tool.description)),
                "resource": .string(entry.tool.resource.name),
                "read_only": .bool(entry.tool.annotations.readOnly),
            ]
            if let operationID = entry.tool.method.operationID { match["operation_id"] = .string(operationID) }
            return .object(match)
        }
        let structured: JSONObject = [
            "query": .string(query), "matches": .array(matches), "total_matches": .int(Int64(scored.count)),
        ]
        var text: String
        if shown.isEmpty {
            text = "No tool matches \"\(query)\". Try other words, or an empty query to list every tool."
        } else {
            text = "\(scored.count) tool\(scored.count == 1 ? "" : "s") match \"\(query)\"\(scored.count > shown.count ? "; the best \(shown.count)" : ""):\n"
            text += shown.map { "- \($0.tool.name): \(Self.summary($0.tool.description))" }.joined(separator: "\n")
            text += "\nCall get_tool_schema with the names you need, then call_tool."
        }
        return ToolCallResult(structured: structured, text: text)
    }

    /// Every tool name, grouped by resource in catalog order.
    private func overview() -> ToolCallResult {
        var groups: [(resource: ResourceDefinition, tools: [String])] = []
        for tool in catalog.visible {
            if let index = groups.firstIndex(where: { $0.resource.name == tool.resource.name }) {
                groups[index].tools.append(tool.name)
            } else {
                groups.append((tool.resource, [tool.name]))
            }
        }
        let resources = groups.map { group -> JSONValue in
            .object([
                "resource": .string(group.resource.name),
                "title": .string(group.resource.title ?? group.resource.name),
                "tools": .array(group.tools.map { .string($0) }),
            ])
        }
        var text = "\(catalog.visible.count) tools in \(groups.count) resource\(groups.count == 1 ? "" : "s"):\n"
        text += groups.map { "\($0.resource.title ?? $0.resource.name): \($0.tools.joined(separator: ", "))" }.joined(separator: "\n")
        text += "\nCall get_tool_schema with the names you need, then call_tool."
        return ToolCallResult(
            structured: ["resources": .array(resources), "total_tools": .int(Int64(catalog.visible.count))], text: text)
    }

    private func schemas(_ arguments: JSONObject, revision: ProtocolRevision) -> ToolCallResult {
        var problems = unknownKeys(arguments, allowed: ["names"])
        var names: [String] = []
        switch arguments["names"] {
        case nil, .null?:
            problems.append("missing required argument \"names\"")
        case .array(let items)?:
            for item in items {
                guard case .string(let name) = item else {
                    problems.append("argument \"names\" must hold strings, not \(item.typeName)")
                    break
                }
                if !names.contains(name) { names.append(name) }
            }
            if items.isEmpty || items.count > Self.maximumSchemaNames {
                problems.append("argument \"names\" must hold 1 to \(Self.maximumSchemaNames) tool names, not \(items.count)")
            }
        case let other?:
            problems.append("argument \"names\" must be an array of tool names, not \(other.typeName)")
        }
        if !problems.isEmpty { return .failure(.invalidArguments(problems), integration: "") }

        let unknown = names.filter { catalog.tool(named: $0) == nil }
        if !unknown.isEmpty {
            let explained = unknown.map { "\"\($0)\"\(suggestionClause($0))" }
            return .failure(
                "Unknown tool\(unknown.count == 1 ? "" : "s"): \(explained.joined(separator: "; ")). Use search_tools to find tool names.",
                details: ["type": "unknown_tool", "unknown": .array(unknown.map { .string($0) })])
        }
        let rendered = names.compactMap { catalog.tool(named: $0) }.map {
            ToolRendering.render($0, revision: revision.hasStructuredContent ? revision : .v2025_06_18)
        }
        return ToolCallResult(structured: ["tools": .array(rendered)])
    }

    private func call(_ arguments: JSONObject) -> Outcome {
        var problems = unknownKeys(arguments, allowed: ["name", "arguments"])
        var name = ""
        switch arguments["name"] {
        case .string(let text)?: name = text
        case nil, .null?: problems.append("missing required argument \"name\"")
        case let other?: problems.append("argument \"name\" must be a string, not \(other.typeName)")
        }
        var inner = JSONObject()
        switch arguments["arguments"] {
        case nil, .null?: break
        case .object(let object)?: inner = object
        case let other?: problems.append("argument \"arguments\" must be an object, not \(other.typeName)")
        }
        if !problems.isEmpty { return .answered(.failure(.invalidArguments(problems), integration: "")) }
        guard let tool = catalog.tool(named: name) else {
            return .answered(
                .failure(
                    "Unknown tool \"\(name)\"\(suggestionClause(name)). Use search_tools to find tool names.",
                    details: ["type": "unknown_tool", "unknown": .array([.string(name)])]))
        }
        return .run(tool, inner)
    }

    private func unknownKeys(_ arguments: JSONObject, allowed: [String]) -> [String] {
        arguments.keys.filter { !allowed.contains($0) }.map {
            "unknown argument \"\($0)\" (this tool takes: \(allowed.joined(separator: ", ")))"
        }
    }

    // MARK: - Ranking

    /// Lower-cased words; plurals folded so "calls" finds "call".
    static func terms(_ text: String) -> [String] {
        var words: [String] = []
        for piece in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
            let word = fold(String(piece))
            if !words.contains(word) { words.append(word) }
        }
        return words
    }

    private static func fold(_ word: String) -> String {
        if word.count > 3, word.hasSuffix("ies") { return String(word.dropLast(3)) + "y" }
        if word.count > 3, word.hasSuffix("s"), !word.hasSuffix("ss") { return String(word.dropLast()) }
        return word
    }

    /// How many query terms a tool matches, and a weighted score: a match in the name
    /// counts most, then resource and tags, argument names, title, description.
    static func score(_ tool: Tool, terms: [String]) -> (matched: Int, score: Int) {
        let fields: [(words: Set<String>, weight: Int)] = [
            (Set(Self.terms(tool.name)), 8),
            (Set(Self.terms(tool.resource.name + " " + (tool.resource.title ?? "")) + tool.tags.flatMap { Self.terms($0) }), 5),
            (Set(tool.routes.flatMap { Self.terms(splitCamelCase($0.argument)) }), 3),
            // The operationId (`repos/list-for-org`, `listIssuesForRepo`) and the path's words.
            (Set(Self.terms(splitCamelCase(tool.method.operationID ?? "")) + Self.terms(tool.method.path)), 3),
            (Set(Self.terms(tool.title)), 2),
            (Set(Self.terms(tool.description)), 1),
        ]
        var matched = 0
        var score = 0
        for term in terms {
            var best = 0
            for field in fields where field.weight > best {
                if field.words.contains(term) {
                    best = field.weight
                } else if term.count >= 3, field.words.contains(where: { $0.hasPrefix(term) }) {
                    best = max(best, field.weight / 2)
                }
            }
            if best > 0 {
                matched += 1
                score += best
            }
        }
        return (matched, score)
    }

    private static func splitCamelCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase { result.append(" ") }
            result.append(character)
        }
        return result
    }

    /// The description's first sentence, at most 200 characters.
    static func summary(_ description: String) -> String {
        var sentence = description.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        if let end = sentence.firstRange(of: ". ") { sentence = String(sentence[..<end.lowerBound]) + "." }
        if sentence.count > 200 { sentence = String(sentence.prefix(199)) + "…" }
        return sentence
    }

    // MARK: - Did you mean

    private func suggestionClause(_ name: String) -> String {
        let suggestions = suggestions(for: name)
        guard !suggestions.isEmpty else { return "" }
        return " (did you mean \(suggestions.map { "\"\($0)\"" }.joined(separator: " or "))?)"
    }

    /// Up to three visible tool names close to `name`: small edit distance first, then
    /// names that contain it or that it contains.
    package func suggestions(for name: String) -> [String] {
        let wanted = Array(name.lowercased().utf8)
        guard !wanted.isEmpty else { return [] }
        let allowance = max(2, wanted.count / 5)
        var ranked: [(name: String, distance: Int)] = []
        for tool in catalog.visible {
            let candidate = tool.name.lowercased()
            let distance = Self.editDistance(wanted, Array(candidate.utf8), limit: allowance)
            if distance <= allowance {
                ranked.append((tool.name, distance))
            } else if wanted.count >= 4, candidate.contains(name.lowercased()) || name.lowercased().contains(candidate) {
                ranked.append((tool.name, allowance + 1))
            }
        }
        ranked.sort { ($0.distance, $0.name) < ($1.distance, $1.name) }
        return ranked.prefix(3).map(\.name)
    }

    /// Levenshtein distance, giving up (returning `limit + 1`) once it must exceed `limit`.
    package static func editDistance(_ a: [UInt8], _ b: [UInt8], limit: Int) -> Int {
        if abs(a.count - b.count) > limit { return limit + 1 }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            var rowBest = current[0]
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                rowBest = min(rowBest, current[j])
            }
            if rowBest > limit { return limit + 1 }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
