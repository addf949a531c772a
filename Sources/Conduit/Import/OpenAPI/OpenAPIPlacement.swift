/// Where an operation goes in the definition: which resource (a chain of path words) and
/// which method, following the platform convention. `GET /widgets` lists, `GET
/// /widgets/{id}` gets, `POST /widgets` creates, `PATCH|PUT /widgets/{id}` updates,
/// `DELETE /widgets/{id}` deletes; everything else is a custom method named after the last
/// static segment (`POST /widgets/{id}/archive` → `archive`) or the operationId.
struct OpenAPIPlacement {
    /// The resource's words (`["repos", "issues"]`).
    var chain: [String]
    var kind: MethodKind
    /// The method name for a custom method.
    var customName: String?
    /// Where the records sit, for a list.
    var resultsPath: String?

    var methodName: String { kind == .custom ? (customName ?? "call") : kind.rawValue }
}

/// One segment of a path template.
enum OpenAPIPathSegment: Equatable {
    case fixed(String)
    case parameter
    /// `{name}:cancel` (Google style): a parameter followed by an action.
    case parameterWithAction(String)

    /// The segments of a path, without a `#fragment` or query (Box writes `/oauth2/token#refresh`).
    static func parse(_ path: String) -> [OpenAPIPathSegment] {
        var clean = Substring(path)
        if let cut = clean.firstIndex(where: { $0 == "#" || $0 == "?" }) { clean = clean[..<cut] }
        return clean.split(separator: "/").map { part in
            guard part.contains("{") else { return .fixed(String(part)) }
            if let close = part.lastIndex(of: "}"), part[part.index(after: close)...].hasPrefix(":") {
                return .parameterWithAction(String(part[part.index(close, offsetBy: 2)...]))
            }
            return .parameter
        }
    }

    /// The path as a shape: parameters as `{}` (`/widgets/{}`).
    static func template(_ segments: [OpenAPIPathSegment]) -> String {
        "/" + segments.map { segment -> String in
            switch segment {
            case .fixed(let name): name
            case .parameter: "{}"
            case .parameterWithAction(let action): "{}:\(action)"
            }
        }.joined(separator: "/")
    }
}

/// Decides every operation's placement, seeing the whole document (which paths have items,
/// which collections can be listed) so that `POST /widgets` is a create only where
/// `/widgets` is a collection.
struct OpenAPIPlanner {
    private var templates: Set<String> = []
    private var gets: Set<String> = []
    /// Leading static segments every path shares (`/api`), left out of resource names.
    private var sharedPrefix = 0
    let reader: OpenAPIShapeReader

    init(operations: [OpenAPIOperation], reader: OpenAPIShapeReader) {
        self.reader = reader
        var prefix: [String]?
        for operation in operations {
            let segments = OpenAPIPathSegment.parse(operation.path)
            let template = OpenAPIPathSegment.template(segments)
            templates.insert(template)
            if operation.method == "GET" { gets.insert(template) }
            var leading: [String] = []
            for case .fixed(let name) in segments.prefix(while: { if case .fixed = $0 { return true } else { return false } }) {
                leading.append(name.lowercased())
            }
            // Keep at least one segment of every path.
            if segments.count == leading.count, !leading.isEmpty { leading.removeLast() }
            if let known = prefix {
                prefix = Array(zip(known, leading).prefix { $0 == $1 }.map(\.0))
            } else {
                prefix = leading
            }
        }
        sharedPrefix = prefix?.count ?? 0
    }

    /// The words a fixed segment gives a resource (none for a version segment).
    private static func words(_ segment: String) -> [String] {
        if OpenAPINaming.isVersionSegment(segment) { return [] }
        let word = OpenAPINaming.identifier(segment, fallback: "")
        return word.isEmpty ? [] : [word]
    }

    private static let crudNames: [String: String] = [
        "list": "list_all", "get": "retrieve", "create": "create_new", "update": "modify", "delete": "remove",
    ]

    /// A custom method name that cannot be read as one of the CRUD kinds.
    static func customName(_ name: String) -> String {
        crudNames[name] ?? name
    }

    /// A method name for an operation: from its operationId, or from a short summary when
    /// the operationId only restates the HTTP method and the path (Box's `post_files_id`
    /// for "Restore file" becomes `restore`).
    static func name(for operation: OpenAPIOperation, chain: [String]) -> String? {
        let fromID = name(fromOperationID: operation.operationID, chain: chain)
        guard let id = operation.operationID, restatesRoute(id, of: operation), let summary = operation.summary else { return fromID }
        return name(fromSummary: summary, chain: chain) ?? fromID
    }

    /// Whether every word of an operationId is the HTTP method, a word of the path, or `id`.
    static func restatesRoute(_ id: String, of operation: OpenAPIOperation) -> Bool {
        var route: Set<String> = ["get", "post", "put", "patch", "delete", "head", "options", "id", "ids", operation.method.lowercased()]
        for piece in operation.path.split(whereSeparator: { "/{}.#:".contains($0) }) {
            route.formUnion(OpenAPINaming.snakeCase(String(piece)).split(separator: "_").map(String.init))
        }
        let words = OpenAPINaming.snakeCase(id).split(separator: "_").map(String.init)
        return !words.isEmpty && words.allSatisfy(route.contains)
    }

    private static let fillers: Set<String> = ["a", "an", "the", "for", "on", "of", "to", "by", "in", "from", "with", "and", "or", "via", "s"]

    /// A summary of at most six words as a method name: its words but fillers and the
    /// resource's own, at most three (`Create metadata instance on file` under
    /// `files_metadata` → `create_instance`).
    static func name(fromSummary summary: String, chain: [String]) -> String? {
        // Words as written (`GitHub` stays one word), lower-cased.
        let words = summary.replacing("'s", with: "").lowercased()
            .split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.map(String.init)
        guard words.count <= 6 else { return nil }
        let own = Set(chain.flatMap { $0.split(separator: "_").map(String.init) }.flatMap { [$0, OpenAPINaming.singularWord($0)] })
        let kept = words.filter { !fillers.contains($0) && !own.contains($0) && !own.contains(OpenAPINaming.singularWord($0)) }
        guard let first = kept.first, first.first?.isLetter == true else { return nil }
        return kept.prefix(3).joined(separator: "_")
    }

    /// A method name from an operationId: its last part (`repos/list-for-org` →
    /// `list_for_org`), without a trailing repeat of the resource's own word.
    static func name(fromOperationID id: String?, chain: [String]) -> String? {
        guard let id, !id.isEmpty else { return nil }
        let last = id.split(whereSeparator: { $0 == "/" }).last.map(String.init) ?? id
        var name = OpenAPINaming.identifier(last, fallback: "")
        if let word = chain.last {
            for ending in ["_" + word, "_" + OpenAPINaming.singular(word)] where name.hasSuffix(ending) && name.count > ending.count {
                name = String(name.dropLast(ending.count))
                break
            }
        }
        guard !name.isEmpty else { return nil }
        if name.count > 40 {
            let words = name.split(separator: "_")
            var kept = ""
            for word in words where kept.count + word.count + 1 <= 40 { kept += (kept.isEmpty ? "" : "_") + word }
            name = kept.isEmpty ? String(name.prefix(40)) : kept
        }
        return name
    }

    func place(_ operation: OpenAPIOperation) -> OpenAPIPlacement {
        var placement = placeByPath(operation)
        // Box writes variants of one URL as `/files/{id}#add_shared_link`: the fragment names the method.
        if let hash = operation.path.firstIndex(of: "#") {
            let fragment = OpenAPINaming.identifier(String(operation.path[operation.path.index(after: hash)...]), fallback: "")
            if !fragment.isEmpty {
                let name = placement.kind == .custom ? "\(placement.methodName)_\(fragment)" : fragment
                placement = OpenAPIPlacement(chain: placement.chain, kind: .custom, customName: Self.customName(name))
            }
        }
        return placement
    }

    private func placeByPath(_ operation: OpenAPIOperation) -> OpenAPIPlacement {
        var segments = OpenAPIPathSegment.parse(operation.path)
        segments.removeFirst(min(sharedPrefix, max(segments.count - 1, 0)))
        let template = OpenAPIPathSegment.template(OpenAPIPathSegment.parse(operation.path))
        let method = operation.method
        var chain: [String] = []
        for case .fixed(let name) in segments { chain += Self.words(name) }

        // Slack's `/conversations.list`: the dotted last segment is resource words and an action.
        if case .fixed(let last)? = segments.last, last.contains("."), !last.hasPrefix("."), !last.hasSuffix(".") {
            let parts = last.split(separator: ".").map { OpenAPINaming.identifier(String($0), fallback: "x") }
            chain = Array(chain.dropLast()) + parts.dropLast()
            let action = parts.last!
            if chain.isEmpty { chain = [action] }
            switch (action, method) {
            case ("list", "GET"):
                // A list whose answer neither schema nor example shows keeps the body as its record.
                let path = reader.recordsPath(operation, resourceWords: chain) ?? ""
                return OpenAPIPlacement(chain: chain, kind: .list, resultsPath: path)
            case ("create", "POST"), ("create", "PUT"):
                return OpenAPIPlacement(chain: chain, kind: .create)
            case ("update", "POST"), ("update", "PUT"), ("update", "PATCH"):
                return OpenAPIPlacement(chain: chain, kind: .update)
            case ("delete", "POST"), ("delete", "DELETE"):
                return OpenAPIPlacement(chain: chain, kind: .delete)
            case ("get", "GET"), ("info", "GET"):
                return OpenAPIPlacement(chain: chain, kind: .get)
            default:
                break
            }
            return OpenAPIPlacement(chain: chain, kind: .custom, customName: Self.customName(action))
        }

        let fallbackChain = chain.isEmpty ? [OpenAPINaming.identifier(operation.tags.first ?? "", fallback: "api")] : chain
        let operationName = Self.name(for: operation, chain: fallbackChain)
        switch segments.last {
        case .parameterWithAction(let action)?:
            return OpenAPIPlacement(chain: fallbackChain, kind: .custom, customName: Self.customName(OpenAPINaming.identifier(action, fallback: "action")))
        case .parameter?:
            switch method {
            case "GET": return OpenAPIPlacement(chain: fallbackChain, kind: .get)
            case "PATCH": return OpenAPIPlacement(chain: fallbackChain, kind: .update)
            case "PUT":
                // With a PATCH beside it, PATCH is the update and PUT replaces.
                return OpenAPIPlacement(chain: fallbackChain, kind: .update)
            case "DELETE": return OpenAPIPlacement(chain: fallbackChain, kind: .delete)
            default:
                return OpenAPIPlacement(chain: fallbackChain, kind: .custom, customName: Self.customName(operationName ?? method.lowercased()))
            }
        case .fixed?:
            let last = chain.last ?? "call"
            let parent = Array(chain.dropLast())
            // A collection: something lists it, or items live below it (`/tickets/{id}/qr`).
            let isCollection = gets.contains(template) || templates.contains { $0.hasPrefix(template + "/{}") }
            switch method {
            case "GET":
                if let path = reader.resultsPath(reader.successSchema(operation), resourceWords: chain) {
                    return OpenAPIPlacement(chain: fallbackChain, kind: .list, resultsPath: path)
                }
                if OpenAPIPaging.takesPagingParameter(operation), reader.shape(reader.successSchema(operation)).properties.isEmpty {
                    let path = reader.recordsPath(operation, resourceWords: chain) ?? ""
                    return OpenAPIPlacement(chain: fallbackChain, kind: .list, resultsPath: path)
                }
                if !parent.isEmpty { return OpenAPIPlacement(chain: parent, kind: .custom, customName: Self.customName(last)) }
                return OpenAPIPlacement(chain: fallbackChain, kind: .custom, customName: Self.customName(operationName ?? "retrieve"))
            case "POST":
                // `POST /widgets` creates; below another resource it creates only in a collection.
                if isCollection || parent.isEmpty { return OpenAPIPlacement(chain: fallbackChain, kind: .create) }
                if !parent.isEmpty { return OpenAPIPlacement(chain: parent, kind: .custom, customName: Self.customName(last)) }
                return OpenAPIPlacement(chain: fallbackChain, kind: .custom, customName: Self.customName(operationName ?? "post"))
            default:
                let verb = ["PUT": "set", "PATCH": "modify", "DELETE": "remove"][method] ?? method.lowercased()
                if !parent.isEmpty { return OpenAPIPlacement(chain: parent, kind: .custom, customName: "\(verb)_\(last)") }
                return OpenAPIPlacement(chain: fallbackChain, kind: .custom, customName: Self.customName(operationName ?? verb))
            }
        case nil:
            return OpenAPIPlacement(chain: fallbackChain, kind: .custom, customName: Self.customName(operationName ?? method.lowercased()))
        }
    }
}
