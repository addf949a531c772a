/// How a list operation pages, read from what its document shows: the query parameters
/// it takes and the fields and headers of its answer. Recognised: a cursor parameter with
/// a next-cursor field; the last record's id as the cursor with a has-more flag
/// (`starting_after`/`has_more`); page and per-page; offset and limit; `Link` headers.
/// Anything else: the vendor's paging parameters stay ordinary arguments.
struct OpenAPIPaging {
    /// The definition's `pagination` object; nil when no paging was recognised.
    var pagination: JSONObject?
    /// The query parameters paging owns (hidden from the tool's arguments).
    var owned: Set<String> = []
    /// `cursor`, `page`, `offset`, `link`, `last-id cursor` or nil, for the report.
    var style: String?
}

/// Reads response schemas shallowly: enough to find the records and paging fields of an
/// answer without translating it.
struct OpenAPIShapeReader {
    let document: OpenAPIDocument

    /// The JSON schema of the first successful answer (200, then the other 2xx).
    func successSchema(_ operation: OpenAPIOperation) -> OpenAPINode? {
        successJSON(operation).lazy.compactMap(\.schema).first
    }

    /// The document's example of the first successful answer that has one.
    func successExample(_ operation: OpenAPIOperation) -> JSONValue? {
        successJSON(operation).lazy.compactMap(\.example).first
    }

    private func successJSON(_ operation: OpenAPIOperation) -> [OpenAPIMedia] {
        let ordered = operation.responses.filter(\.isSuccess).sorted { ($0.status == "200" ? 0 : 1) < ($1.status == "200" ? 0 : 1) }
        return ordered.flatMap { $0.content.filter { Self.isJSON($0.mediaType) } }
    }

    static func isJSON(_ mediaType: String) -> Bool {
        mediaType.hasPrefix("application/json") || mediaType.contains("+json") || mediaType == "*/*" || mediaType.hasPrefix("text/json")
    }

    /// The schema with references followed and `allOf` members folded in, as (type,
    /// properties) — at most a few levels of `allOf`.
    func shape(_ node: OpenAPINode?, level: Int = 0) -> (type: String?, properties: [(String, OpenAPINode)], items: OpenAPINode?) {
        guard let node, level < 8, let resolved = document.resolve(node), case .object(let object) = resolved.value else { return (nil, [], nil) }
        var type = object["type"]?.stringValue ?? object["type"]?.arrayValue?.compactMap(\.stringValue).first { $0 != "null" }
        var properties = resolved["properties"].flatMap(document.resolve)?.members.map { ($0.key, $0.node) } ?? []
        var items = resolved["items"]
        for member in resolved["allOf"]?.elements ?? [] {
            let inner = shape(member, level: level + 1)
            if type == nil { type = inner.type }
            for property in inner.properties where !properties.contains(where: { $0.0 == property.0 }) { properties.append(property) }
            if items == nil { items = inner.items }
        }
        if type == nil && !properties.isEmpty { type = "object" }
        return (type, properties, items)
    }

    /// Where a list answer keeps its records: `""` for an array body, else the name of the
    /// object's array field (the one named like the resource, a usual name, or the only
    /// one); nil when the answer does not look like a list. `knownList`: the operation is a
    /// list by its name or its paging parameters, so its only array holds the records
    /// whatever else the answer carries (Slack's `users.list` and its `cache_ts`).
    func resultsPath(_ schema: OpenAPINode?, resourceWords: [String], knownList: Bool = false) -> String? {
        let top = shape(schema)
        if top.type == "array" { return "" }
        let arrays = top.properties.filter { shape($0.1).type == "array" }.map(\.0)
        guard !arrays.isEmpty else { return nil }
        let usual = ["data", "items", "results", "records", "entries", "values", "elements", "list", "resources", "objects"]
        for word in resourceWords.reversed() {
            if let match = arrays.first(where: { OpenAPINaming.snakeCase($0) == word || OpenAPINaming.snakeCase($0) == OpenAPINaming.singular(word) }) { return match }
        }
        if let match = arrays.first(where: { usual.contains($0.lowercased()) }) { return match }
        return Self.onlyArray(arrays, among: top.properties.map(\.0), knownList: knownList)
    }

    /// Where a list operation's records sit: by its answer's schema, else by its example.
    func recordsPath(_ operation: OpenAPIOperation, resourceWords: [String]) -> String? {
        resultsPath(successSchema(operation), resourceWords: resourceWords, knownList: true)
            ?? Self.resultsPath(of: successExample(operation))
    }

    /// One array beside nothing but paging and envelope fields (`{ok, channels, response_metadata}`);
    /// a record that merely has a list among its fields (`/me` with its teams) is no list,
    /// unless the operation is known to list.
    private static func onlyArray(_ arrays: [String], among fields: [String], knownList: Bool) -> String? {
        guard arrays.count == 1 else { return nil }
        return knownList || fields.allSatisfy({ $0 == arrays[0] || isEnvelopeField($0) }) ? arrays[0] : nil
    }

    /// Fields a list answer carries around its records.
    static func isEnvelopeField(_ name: String) -> Bool {
        let lower = name.lowercased()
        if ["ok", "type", "object", "url", "meta", "metadata", "links", "_links", "status", "success", "errors", "warning", "kind"].contains(lower) { return true }
        return ["page", "next", "prev", "total", "count", "cursor", "more", "offset", "limit", "size", "marker", "token", "metadata"].contains { lower.contains($0) }
    }

    /// Scalar fields of an answer to `depth` levels, with their dotted paths.
    func scalarFields(_ schema: OpenAPINode?, depth: Int = 3) -> [(path: [String], type: String?)] {
        var found: [(path: [String], type: String?)] = []
        func walk(_ node: OpenAPINode?, _ prefix: [String], _ level: Int) {
            for (name, member) in shape(node).properties {
                let inner = shape(member)
                if inner.type == "object" || (!inner.properties.isEmpty && inner.type == nil) {
                    if level + 1 < depth { walk(member, prefix + [name], level + 1) }
                } else if inner.type != "array" {
                    found.append((prefix + [name], inner.type))
                }
            }
        }
        walk(schema, [], 0)
        return found
    }

    /// Scalar fields of an example answer to `depth` levels, with their dotted paths: what
    /// the document shows when its schema leaves the answer open (Slack's
    /// `response_metadata.next_cursor` on `users.list`).
    static func scalarFields(of example: JSONValue?, depth: Int = 3) -> [(path: [String], type: String?)] {
        var found: [(path: [String], type: String?)] = []
        func walk(_ value: JSONValue, _ prefix: [String]) {
            guard case .object(let object) = value else { return }
            for (name, member) in object {
                switch member {
                case .object: if prefix.count + 1 < depth { walk(member, prefix + [name]) }
                case .array: break
                case .string: found.append((prefix + [name], "string"))
                case .int, .double: found.append((prefix + [name], "number"))
                case .bool: found.append((prefix + [name], "boolean"))
                case .null: found.append((prefix + [name], nil))
                }
            }
        }
        if let example { walk(example, []) }
        return found
    }

    /// Where an example answer of a known list keeps its records: its only array.
    private static func resultsPath(of example: JSONValue?) -> String? {
        guard case .object(let object)? = example else { return nil }
        let arrays = object.filter { if case .array = $0.value { return true } else { return false } }.map(\.key)
        return onlyArray(arrays, among: object.map(\.key), knownList: true)
    }

    /// Whether the records of a list answer have an `id` field.
    func recordsHaveID(_ schema: OpenAPINode?, resultsPath: String) -> Bool {
        var records = shape(schema)
        if !resultsPath.isEmpty, let member = records.properties.first(where: { $0.0 == resultsPath }) { records = shape(member.1) }
        let item = shape(records.items)
        return item.properties.contains { $0.0 == "id" }
    }
}

extension OpenAPIPaging {
    private static let cursorNames: Set<String> = [
        "cursor", "page_token", "pagetoken", "next_page_token", "continuation", "continuation_token", "continuationtoken",
        "marker", "after", "starting_after", "startingafter", "page_after", "skiptoken", "$skiptoken", "next_token", "nexttoken",
        "page_cursor", "pagecursor", "start_cursor", "startcursor",
    ]
    private static let lastIDNames: Set<String> = ["starting_after", "startingafter", "after", "after_id", "since_id"]
    private static let pageNames: Set<String> = ["page", "page_number", "pagenumber", "pageno", "page_no", "page_num"]
    private static let sizeNames: [String] = [
        "per_page", "perpage", "page_size", "pagesize", "limit", "page_limit", "size", "count", "max_results", "maxresults",
        "$top", "top", "max", "number",
    ]
    private static let offsetNames: Set<String> = ["offset", "skip", "$skip", "start", "start_position"]
    private static let nextCursorFields: Set<String> = [
        "next_cursor", "nextcursor", "next_page_token", "nextpagetoken", "next_token", "nexttoken", "next_marker", "nextmarker",
        "next_page_cursor", "nextpagecursor", "continuation_token", "continuationtoken", "next_continuation_token", "end_cursor", "endcursor",
    ]

    /// Whether an operation takes a paging parameter (a cursor, page or offset): a read that
    /// pages is a list even when its document leaves the answer's shape open (Slack's).
    static func takesPagingParameter(_ operation: OpenAPIOperation) -> Bool {
        operation.parameters.contains { parameter in
            let name = parameter.name.lowercased()
            return parameter.location == .query && (cursorNames.contains(name) || pageNames.contains(name) || offsetNames.contains(name))
        }
    }

    /// Paging for a list operation, from its query parameters and its answer.
    init(operation: OpenAPIOperation, reader: OpenAPIShapeReader, resultsPath: String) {
        let query = operation.parameters.filter { $0.location == .query }
        func parameter(in names: Set<String>) -> OpenAPIParameter? {
            query.first { names.contains($0.name.lowercased()) }
        }
        func type(_ parameter: OpenAPIParameter) -> String? { reader.shape(parameter.schema).type }
        let size = Self.sizeNames.lazy.compactMap { name in query.first { $0.name.lowercased() == name && ["integer", "number", nil].contains(type($0)) } }.first
        var base = JSONObject()
        if let size {
            base["limit_param"] = .string(size.name)
            if let maximum = reader.document.resolve(size.schema ?? OpenAPINode(value: .null, location: OpenAPILocation(file: 0, pointer: "")))?.value["maximum"]?.intValue, maximum > 0 {
                base["max_limit"] = .int(maximum)
            }
            owned.insert(size.name)
        }
        let schema = reader.successSchema(operation)
        let linkHeader = operation.responses.contains { $0.isSuccess && $0.headers.contains("link") }

        // A cursor parameter, or `offset` written as a token (Asana's).
        var cursor = parameter(in: Self.cursorNames)
        if cursor == nil, let offset = parameter(in: ["offset"]), type(offset) == "string" { cursor = offset }
        if let cursor {
            // What the schema shows, then what only the example shows.
            var fields = reader.scalarFields(schema)
            for field in OpenAPIShapeReader.scalarFields(of: reader.successExample(operation)) where !fields.contains(where: { $0.path == field.path }) {
                fields.append(field)
            }
            let name = cursor.name
            let snake = OpenAPINaming.snakeCase(name)
            func score(_ field: (path: [String], type: String?)) -> Int {
                guard let last = field.path.last, field.type != "boolean" else { return 0 }
                let lower = last.lowercased()
                let fieldSnake = OpenAPINaming.snakeCase(last)
                let nextAncestor = field.path.dropLast().contains { $0.lowercased().contains("next") }
                if fieldSnake == "next_" + snake { return 100 }
                if Self.nextCursorFields.contains(lower) || Self.nextCursorFields.contains(fieldSnake) { return 90 }
                if lower == name.lowercased() && nextAncestor { return 85 }
                if fieldSnake == "cursor" && nextAncestor { return 80 }
                if lower == name.lowercased() && name.lowercased() != "after" { return 50 }
                return 0
            }
            let best = fields.map { ($0, score($0)) }.filter { $0.1 > 0 }.max { $0.1 < $1.1 }
            if let best {
                var pagination = base
                pagination["style"] = "cursor"
                pagination["cursor_param"] = .string(name)
                pagination["next_cursor_path"] = .string(best.0.path.joined(separator: "."))
                self.pagination = pagination
                owned.insert(name)
                style = "cursor"
                return
            }
            let more = fields.first { ["has_more", "hasmore", "more"].contains($0.path.joined(separator: ".").lowercased()) && $0.type == "boolean" }
            if Self.lastIDNames.contains(name.lowercased()), let more, reader.recordsHaveID(schema, resultsPath: resultsPath) {
                var pagination = base
                pagination["style"] = "cursor"
                pagination["cursor_param"] = .string(name)
                pagination["last_record_cursor_path"] = "id"
                pagination["more_path"] = .string(more.path.joined(separator: "."))
                self.pagination = pagination
                owned.insert(name)
                style = "last-id cursor"
                return
            }
        }
        if linkHeader {
            var pagination = base
            pagination["style"] = "link"
            // The link names the page: the document's own page and cursor parameters are its business.
            if let page = parameter(in: Self.pageNames) {
                owned.insert(page.name)
                pagination["page_param"] = .string(page.name)
            }
            if let cursor {
                owned.insert(cursor.name)
                pagination["cursor_param"] = .string(cursor.name)
            }
            self.pagination = pagination
            style = "link"
            return
        }
        if let page = parameter(in: Self.pageNames), ["integer", "number", nil].contains(type(page)) {
            var pagination = base
            pagination["style"] = "page"
            pagination["page_param"] = .string(page.name)
            let pageSchema = page.schema.flatMap(reader.document.resolve)?.value
            let start = pageSchema?["default"]?.intValue ?? pageSchema?["minimum"]?.intValue ?? 1
            pagination["page_start"] = .int(start == 0 ? 0 : 1)
            let fields = reader.scalarFields(schema, depth: 2)
            if let more = fields.first(where: { ["has_more", "hasmore", "more", "has_next", "hasnext", "has_next_page"].contains(($0.path.last ?? "").lowercased()) && $0.type == "boolean" }) {
                pagination["more_path"] = .string(more.path.joined(separator: "."))
            }
            self.pagination = pagination
            owned.insert(page.name)
            style = "page"
            return
        }
        if let offset = parameter(in: Self.offsetNames), ["integer", "number", nil].contains(type(offset)), size != nil {
            var pagination = base
            pagination["style"] = "offset"
            pagination["offset_param"] = .string(offset.name)
            let fields = reader.scalarFields(schema, depth: 2)
            if let total = fields.first(where: { ["total", "total_count", "totalcount", "total_results", "totalresults"].contains(($0.path.last ?? "").lowercased()) && ["integer", "number"].contains($0.type ?? "") }) {
                pagination["total_path"] = .string(total.path.joined(separator: "."))
            }
            self.pagination = pagination
            owned.insert(offset.name)
            style = "offset"
            return
        }
        if size != nil {
            // Only a page size: conduit's limit is sent there, and other paging parameters pass through.
            var pagination = base
            pagination["style"] = "none"
            self.pagination = pagination
        }
    }
}
