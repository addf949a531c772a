/// What `conduit import openapi` takes besides the document.
package struct OpenAPIImportOptions: Sendable {
    /// The integration name; derived from the document's title when nil.
    package var name: String?
    /// Keep operations that have neither summary nor description.
    package var includeUndocumented: Bool

    package init(name: String? = nil, includeUndocumented: Bool = false) {
        self.name = name
        self.includeUndocumented = includeUndocumented
    }
}

/// An imported document: a definition in conduit's own format, and what the import did.
package struct OpenAPIImport: Sendable {
    /// The definition document, as a definition file holds it.
    package var definition: JSONValue
    package var report: OpenAPIImportReport
    /// The definition decoded and its tools built, as a definition file would be.
    package var loaded: DefinitionLoader.Loaded
}

/// Turns an OpenAPI 3.0/3.1 or Swagger 2.0 document into an integration definition:
/// load (`OpenAPIDocument`) → place each operation (`OpenAPIPlanner`) → name resources,
/// methods and tools → translate parameters, bodies and answers (`OpenAPISchemaTranslator`,
/// `OpenAPIPaging`) → the definition, checked by the same decoder a definition file goes
/// through. See Docs/openapi-import.md for every rule.
package enum OpenAPIImporter {
    /// Imports the document at `path`. Throws when the document cannot be read, is not
    /// OpenAPI, or uses a remote `$ref`; everything else is reported.
    package static func importDocument(at path: String, options: OpenAPIImportOptions = OpenAPIImportOptions()) throws(OpenAPIImportError)
        -> OpenAPIImport
    {
        try importDocument(try OpenAPIDocument(path: path), options: options)
    }

    /// Imports a document already loaded (the sandbox reads the same document for its stand-in).
    package static func importDocument(_ document: OpenAPIDocument, options: OpenAPIImportOptions = OpenAPIImportOptions())
        throws(OpenAPIImportError) -> OpenAPIImport
    {
        var run = ImportRun(document: document, options: options)
        return try run.run()
    }

    /// Imports a document whose root file is already parsed.
    package static func importDocument(at path: String, content: JSONValue, options: OpenAPIImportOptions = OpenAPIImportOptions())
        throws(OpenAPIImportError) -> OpenAPIImport
    {
        try importDocument(try OpenAPIDocument(path: path, content: content), options: options)
    }
}

/// A context budget level: how deep schemas go and how long text may be.
struct OpenAPIBudgetLevel {
    var schema: OpenAPISchemaTranslator.Limits
    var toolDescription: Int
    var parameterDescription: Int

    /// From generous to bare; a tool moves down while its definition is over `targetBytes`.
    static let ladder: [OpenAPIBudgetLevel] = [
        .init(schema: .init(maximumDepth: 4, descriptionLength: 400, keepExamples: true, maximumEnum: 100, nodeBudget: 2500), toolDescription: 2000, parameterDescription: 500),
        .init(schema: .init(maximumDepth: 3, descriptionLength: 200, keepExamples: true, maximumEnum: 60, nodeBudget: 1200), toolDescription: 1200, parameterDescription: 300),
        .init(schema: .init(maximumDepth: 2, descriptionLength: 120, keepExamples: false, maximumEnum: 40, nodeBudget: 600), toolDescription: 800, parameterDescription: 200),
        .init(schema: .init(maximumDepth: 1, descriptionLength: 80, keepExamples: false, maximumEnum: 25, nodeBudget: 300), toolDescription: 500, parameterDescription: 120),
        .init(schema: .init(maximumDepth: 0, descriptionLength: 60, keepExamples: false, maximumEnum: 15, nodeBudget: 150), toolDescription: 300, parameterDescription: 80),
    ]

    /// A method definition above this (compact JSON) is rebuilt one level down.
    static let targetBytes = 10000
    /// Past the last level, a body above this becomes one open `body` argument.
    static let hardBytes = 24000
}

/// One import, start to end.
private struct ImportRun {
    let document: OpenAPIDocument
    let options: OpenAPIImportOptions
    let reader: OpenAPIShapeReader
    var report: OpenAPIImportReport
    var notes = OpenAPISchemaTranslator.Notes()
    var unusualStyles: [String] = []
    var credentialParametersLeftOut = 0
    /// POST/PUT bodies whose schema requires fields, though the document leaves the body optional.
    var bodiesTakenAsRequired = 0
    var cookieParametersLeftOut = 0
    var mediaTypeNotes: [String] = []
    var undocumentedPath: [String] = []
    var servers: [String] = []
    var baseURL = ""

    init(document: OpenAPIDocument, options: OpenAPIImportOptions) {
        self.document = document
        self.options = options
        reader = OpenAPIShapeReader(document: document)
        let info = document.root["info"]
        report = OpenAPIImportReport(
            source: document.path, title: info?["title"]?.string ?? FilePath.lastComponent(of: document.path),
            version: (document.version == .swagger2 ? "Swagger " : "OpenAPI ") + document.versionText, integration: "")
    }

    /// An operation with its place and final names.
    struct Planned {
        var operation: OpenAPIOperation
        var placement: OpenAPIPlacement
        var resource = ""
        var method = ""
        var tool = ""
        var documented = true
    }

    mutating func run() throws(OpenAPIImportError) -> OpenAPIImport {
        let root = document.root
        let name = options.name ?? OpenAPINaming.integrationName(title: root["info"]?["title"]?.string)
        guard name.first?.isLetter == true, name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
            throw OpenAPIImportError("--name \(name): an integration name must match ^[a-z][a-z0-9_]*$")
        }
        report.integration = name
        let auth = OpenAPIAuth(document: document)
        report.credentials = auth.summary
        report.authNotes = auth.notes

        // Which operations become tools.
        let operations = document.operations()
        report.operationCount = operations.count
        var candidates: [Planned] = []
        for operation in operations {
            guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(operation.method) else {
                report.skipped.append("\(operation.label): HTTP \(operation.method) is not offered as a tool")
                continue
            }
            let documented = operation.summary != nil || operation.description != nil
            if !documented {
                if !options.includeUndocumented {
                    report.gatedOut.append(operation.label + (operation.operationID.map { " (\($0))" } ?? ""))
                    continue
                }
                report.includedUndocumented.append(operation.label)
            }
            candidates.append(Planned(operation: operation, placement: OpenAPIPlacement(chain: [], kind: .custom), documented: documented))
        }
        if document.version != .swagger2, root["webhooks"] != nil {
            report.simplifications.append("webhooks: the document's webhooks are calls the API makes, not operations; none is a tool")
        }

        // Places and names.
        let planner = OpenAPIPlanner(operations: candidates.map(\.operation), reader: reader)
        for index in candidates.indices { candidates[index].placement = planner.place(candidates[index].operation) }
        assignNames(&candidates, integration: name)

        // Servers.
        baseURL = chooseBaseURL(document.servers(root))

        // Methods, resource by resource in order of first appearance.
        var resources = JSONObject()
        var resourceOrder: [String] = []
        var methodsByResource: [String: JSONObject] = [:]
        var singulars: [String: String] = [:]
        var tagCounts: [String: Int] = [:]
        var tagOrder: [String] = []
        for planned in candidates {
            if methodsByResource[planned.resource] == nil {
                resourceOrder.append(planned.resource)
                methodsByResource[planned.resource] = [:]
            }
            let method = buildMethod(planned, auth: auth)
            methodsByResource[planned.resource]![planned.method] = .object(method)
            singulars[planned.resource] = singularNames[planned.resource] ?? OpenAPINaming.singular(planned.resource)
            report.kept.append((planned.tool, planned.operation.label))
            for tag in planned.operation.tags {
                if tagCounts[tag] == nil { tagOrder.append(tag) }
                tagCounts[tag, default: 0] += 1
            }
        }
        for resource in resourceOrder {
            resources[resource] = [
                "singular": .string(singulars[resource] ?? resource),
                "methods": .object(methodsByResource[resource] ?? [:]),
            ]
        }
        report.tags = tagOrder.map { ($0, tagCounts[$0]!) }.sorted { $0.count > $1.count }

        // Fatal: references conduit will not fetch.
        if !document.remoteReferences.isEmpty {
            throw OpenAPIImportError(problems: document.remoteReferences.map {
                "\(document.path): remote $ref \"\($0)\": conduit reads local files only and fetches nothing; download it and refer to the local copy"
            })
        }
        summarizeSimplifications()
        guard !candidates.isEmpty else {
            var why = "\(document.path): no operation can become a tool"
            if !report.gatedOut.isEmpty { why += " (\(report.gatedOut.count) have neither summary nor description; --include-undocumented keeps them)" }
            throw OpenAPIImportError(why)
        }

        var definition: JSONObject = [
            "name": .string(name),
            "title": .string(report.title),
            "description": .string(integrationDescription()),
            "base_url": .string(baseURL),
            "credentials": .object(auth.credentials),
            "auth": .array(auth.auth),
            "errors": ["message_paths": ["message", "error.message", "error", "error_description", "errors[].message", "errors[].detail", "detail"]],
            "resources": .object(resources),
        ]
        if let version = root["info"]?["version"]?.value, version.stringValue != nil { definition["version"] = version }
        let value = JSONValue.object(definition)
        // The definition goes through the decoder and catalog a definition file goes through.
        let loaded: DefinitionLoader.Loaded
        do {
            loaded = try DefinitionLoader.decode(value, source: document.path)
            let built = Set(loaded.tools.map(\.name))
            let missing = report.kept.map(\.tool).filter { !built.contains($0) }
            if !missing.isEmpty {
                throw OpenAPIImportError("\(document.path): conduit named tools it did not build: \(missing.prefix(5).joined(separator: ", "))")
            }
        } catch let error as DefinitionError {
            throw OpenAPIImportError(problems: ["\(document.path): the imported definition is not valid (a conduit bug; please report it):"] + error.problems.map { "  \($0)" })
        } catch let error as OpenAPIImportError {
            throw error
        } catch {
            throw OpenAPIImportError("\(document.path): \(error)")
        }
        return OpenAPIImport(definition: value, report: report, loaded: loaded)
    }

    // MARK: - Names

    /// Final resource, method and tool names: unique, at most 64 characters, every change reported.
    private mutating func assignNames(_ planned: inout [Planned], integration: String) {
        // Methods within each resource chain: a second operation wanting a taken name is
        // renamed after its operationId (or numbered).
        var taken: [String: [String: String]] = [:]  // chain → method → operation
        for index in planned.indices {
            let chain = planned[index].placement.chain.joined(separator: "_")
            var placement = planned[index].placement
            var method = placement.methodName
            let operation = planned[index].operation
            if let owner = taken[chain]?[method] {
                var candidate = OpenAPIPlanner.name(for: operation, chain: placement.chain).map(OpenAPIPlanner.customName)
                    ?? "\(operation.method.lowercased())_\(method)"
                if MethodKind(methodName: candidate) != .custom { candidate = OpenAPIPlanner.customName(candidate) }
                var number = 2
                let stem = candidate
                while taken[chain]?[candidate] != nil {
                    candidate = "\(stem)_\(number)"
                    number += 1
                }
                report.disambiguated.append("\(operation.label): method \(candidate) of \(chain) (\(method) is \(owner))")
                placement.kind = .custom
                placement.customName = candidate
                placement.resultsPath = nil
                method = candidate
            }
            taken[chain, default: [:]][method] = operation.label
            planned[index].placement = placement
            planned[index].method = method
        }

        // Resource names: the chain, or its last words when that keeps every tool name within 64.
        var chains: [String] = []
        var methodsOf: [String: [(kind: MethodKind, name: String)]] = [:]
        for item in planned {
            let chain = item.placement.chain.joined(separator: "_")
            if methodsOf[chain] == nil { chains.append(chain) }
            methodsOf[chain, default: []].append((item.placement.kind, item.method))
        }
        let original = Set(chains)
        var assigned: [String: String] = [:]
        var used: Set<String> = []
        var singularUsed: Set<String> = []
        var singularOf: [String: String] = [:]
        for chain in chains {
            let words = chain.split(separator: "_", omittingEmptySubsequences: true).map(String.init)
            let methods = methodsOf[chain] ?? []
            func longest(_ resource: String) -> Int {
                methods.map { Self.fullToolName(integration: integration, resource: resource, singular: OpenAPINaming.singular(resource), kind: $0.kind, method: $0.name).count }.max() ?? 0
            }
            var choice = chain
            if longest(chain) > CatalogBuilder.maximumNameLength {
                // Fewer leading words, as long as the name stays unique.
                let segments = planned.first { $0.placement.chain.joined(separator: "_") == chain }?.placement.chain ?? words
                for drop in 1..<max(segments.count, 1) {
                    let candidate = segments[drop...].joined(separator: "_")
                    if !used.contains(candidate) && !original.contains(candidate) && longest(candidate) <= CatalogBuilder.maximumNameLength {
                        choice = candidate
                        report.shortened.append("resource \(chain) is named \(candidate) so its tool names fit in \(CatalogBuilder.maximumNameLength) characters")
                        break
                    }
                }
            }
            if used.contains(choice) {
                var number = 2
                while used.contains("\(choice)_\(number)") { number += 1 }
                choice = "\(choice)_\(number)"
            }
            used.insert(choice)
            assigned[chain] = choice
            var singular = OpenAPINaming.singular(choice)
            if singularUsed.contains(singular) {
                // Another resource reads the same in the singular (`registries`, `registry`): the plural, else numbered.
                var candidate = choice
                var number = 2
                while singularUsed.contains(candidate) {
                    candidate = "\(singular)_\(number)"
                    number += 1
                }
                report.disambiguated.append("resource \(choice): singular \(candidate) (\(singular) belongs to another resource)")
                singular = candidate
            }
            singularUsed.insert(singular)
            singularOf[choice] = singular
        }
        self.singularNames = singularOf

        // Tool names, shortened by the catalog's own rule past 64 characters.
        var tools: Set<String> = []
        for index in planned.indices {
            let resource = assigned[planned[index].placement.chain.joined(separator: "_")]!
            planned[index].resource = resource
            var full = Self.fullToolName(
                integration: integration, resource: resource, singular: singularOf[resource]!, kind: planned[index].placement.kind, method: planned[index].method)
            var tool = CatalogBuilder.shortened(full)
            if tools.contains(tool) {
                // Two chains that read alike (`a_b` + `c`, `a` + `b_c`): number the later method.
                var number = 2
                let stem = planned[index].method
                repeat {
                    planned[index].method = "\(stem)_\(number)"
                    planned[index].placement.kind = .custom
                    planned[index].placement.customName = planned[index].method
                    number += 1
                    full = Self.fullToolName(integration: integration, resource: resource, singular: singularOf[resource]!, kind: .custom, method: planned[index].method)
                    tool = CatalogBuilder.shortened(full)
                } while tools.contains(tool)
                report.disambiguated.append("\(planned[index].operation.label): \(tool) (its first name was taken)")
            }
            if full.count > CatalogBuilder.maximumNameLength {
                report.shortened.append("\(tool) ← \(full) (\(full.count) characters)")
            }
            tools.insert(tool)
            planned[index].tool = tool
        }
    }

    /// Each resource's singular, unique across resources.
    private var singularNames: [String: String] = [:]

    /// The tool name table of Docs/definition-format.md, before shortening.
    static func fullToolName(integration: String, resource: String, singular: String, kind: MethodKind, method: String) -> String {
        switch kind {
        case .list: "list_all_\(integration)_\(resource)"
        case .get: "get_single_\(integration)_\(singular)_by_id"
        case .create: "create_a_\(integration)_\(singular)"
        case .update: "update_a_\(integration)_\(singular)_by_id"
        case .delete: "delete_a_\(integration)_\(singular)_by_id"
        case .custom: "\(integration)_\(resource)_\(method)"
        }
    }

    // MARK: - Servers

    private mutating func chooseBaseURL(_ documentServers: [String]) -> String {
        servers = documentServers
        if let absolute = documentServers.first(where: Self.isAbsolute) {
            let base = Self.trimSlash(absolute)
            report.servers.append(base)
            if base.contains("{") {
                report.authNotes.append("the server \(base) has variables without defaults: set base_url in the account file")
            }
            return base
        }
        let relative = documentServers.first.map(Self.trimSlash) ?? ""
        report.servers.append("none absolute\(relative.isEmpty ? "" : " (\(relative))"): set base_url in the account file")
        return "http://localhost" + (relative.hasPrefix("/") ? relative : (relative.isEmpty ? "" : "/" + relative))
    }

    static func isAbsolute(_ url: String) -> Bool {
        url.hasPrefix("https://") || url.hasPrefix("http://")
    }

    static func trimSlash(_ url: String) -> String {
        var text = url
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// An operation's own server when it differs from the definition's base URL.
    private mutating func methodBaseURL(_ operation: OpenAPIOperation) -> String? {
        guard let first = operation.servers.first, operation.servers != operation.documentServers else { return nil }
        var url = Self.trimSlash(first)
        if !Self.isAbsolute(url) {
            // Relative to the document's server: keep its origin.
            guard let schemeEnd = baseURL.firstRange(of: "://") else { return nil }
            let afterScheme = baseURL[schemeEnd.upperBound...]
            let origin = String(baseURL[..<(afterScheme.firstIndex(of: "/") ?? baseURL.endIndex)])
            url = origin + (url.hasPrefix("/") ? url : "/" + url)
        }
        guard url != baseURL else { return nil }
        if !report.servers.contains(url) { report.servers.append(url) }
        return url
    }

    // MARK: - Methods

    private mutating func buildMethod(_ planned: Planned, auth: OpenAPIAuth) -> JSONObject {
        // Each level is tried on a copy of this run, whose side notes (media types, styles,
        // paging) are kept only for the level chosen.
        var chosen: (run: ImportRun, method: JSONObject, notes: OpenAPISchemaTranslator.Notes, level: Int, size: Int)?
        for (level, budget) in OpenAPIBudgetLevel.ladder.enumerated() {
            var scratch = self
            let (method, notes) = scratch.method(planned, auth: auth, budget: budget, wholeBody: false)
            let size = JSONValue.object(method).jsonBytes.count
            chosen = (scratch, method, notes, level, size)
            if size <= OpenAPIBudgetLevel.targetBytes { break }
        }
        var (run, method, notes, level, size) = chosen!
        var how: [String] = []
        if size > OpenAPIBudgetLevel.hardBytes {
            run = self
            (method, notes) = run.method(planned, auth: auth, budget: OpenAPIBudgetLevel.ladder.last!, wholeBody: true)
            how.append("the body is one open object argument (its fields would take \(size / 1024) KB)")
            size = JSONValue.object(method).jsonBytes.count
        }
        self = run
        self.notes.merge(notes)
        if level > 0 {
            let limits = OpenAPIBudgetLevel.ladder[level].schema
            how.insert("budget level \(level): objects below depth \(limits.maximumDepth) open, descriptions ≤ \(limits.descriptionLength) characters", at: 0)
        }
        if notes.depthCuts > 0 && level == 0 { how.append("\(notes.depthCuts) nested object\(notes.depthCuts == 1 ? "" : "s") offered open") }
        if notes.droppedEnums > 0 { how.append("\(notes.droppedEnums) long enum\(notes.droppedEnums == 1 ? "" : "s") opened (values named in the description)") }
        if notes.budgetCuts > 0 { how.append("\(notes.budgetCuts) schema\(notes.budgetCuts == 1 ? "" : "s") cut by the size budget") }
        if notes.trimmedDescriptions > 0 && level == 0 { how.append("\(notes.trimmedDescriptions) description\(notes.trimmedDescriptions == 1 ? "" : "s") trimmed") }
        if !how.isEmpty { report.cut.append("\(planned.tool): \(how.joined(separator: "; ")) (\(size / 1024 + 1) KB)") }
        if let accepted = method["auth"]?.arrayValue {
            report.schemesByTool[accepted.compactMap(\.stringValue).joined(separator: " or "), default: 0] += 1
        }
        return method
    }

    /// The definition method for one operation at one budget level.
    private mutating func method(
        _ planned: Planned, auth: OpenAPIAuth, budget: OpenAPIBudgetLevel, wholeBody: Bool
    ) -> (JSONObject, OpenAPISchemaTranslator.Notes) {
        let operation = planned.operation
        var translator = OpenAPISchemaTranslator(document: document, limits: budget.schema)
        var method = JSONObject()
        method["http"] = .string(operation.method)
        var path = String(operation.path.prefix { $0 != "#" && $0 != "?" })
        if path.isEmpty { path = "/" }
        method["path"] = .string(path)
        if let summary = operation.summary { method["summary"] = .string(OpenAPISchemaTranslator.trim(Self.oneLine(summary), to: 120)) }
        method["description"] = .string(description(operation, budget: budget, translator: &translator))
        if let id = operation.operationID { method["operation_id"] = .string(id) }
        let tags = operation.tags.filter { !$0.isEmpty }
        if !tags.isEmpty { method["tags"] = .array(tags.map { .string($0) }) }
        var scopes: [String] = []
        for requirement in operation.security {
            for (scheme, list) in requirement where auth.oauthSchemes.contains(scheme) {
                for scope in list where !scopes.contains(scope) { scopes.append(scope) }
            }
        }
        if !scopes.isEmpty { method["scopes"] = .array(scopes.prefix(12).map { .string($0) }) }
        if let base = methodBaseURL(operation) { method["base_url"] = .string(base) }
        if let accepted = auth.accepted(by: operation) {
            method["auth"] = .array(accepted.map { .string($0) })
        }

        // Paging first: it decides which parameters the tool does not show.
        let kind = planned.placement.kind
        var paging = OpenAPIPaging()
        if kind == .list {
            paging = OpenAPIPaging(operation: operation, reader: reader, resultsPath: planned.placement.resultsPath ?? "")
            if let pagination = paging.pagination { method["pagination"] = .object(pagination) }
            method["results_path"] = .string(planned.placement.resultsPath ?? "")
            if let style = paging.style { report.paging[style, default: 0] += 1 }
        } else if kind == .custom, operation.method == "GET", OpenAPIPaging.takesPagingParameter(operation),
                  let records = planned.placement.resultsPath ?? reader.recordsPath(operation, resourceWords: planned.placement.chain + [planned.placement.methodName]) {
            // A read that pages but is not its resource's list (Slack's `conversations.history`)
            // pages the same way under its own name, when its paging is recognised.
            let found = OpenAPIPaging(operation: operation, reader: reader, resultsPath: records)
            if let pagination = found.pagination, let style = found.style {
                paging = found
                method["pagination"] = .object(pagination)
                method["results_path"] = .string(records)
                report.paging["\(style) (on a custom read)", default: 0] += 1
            }
        }
        let pages = kind == .list || method["pagination"] != nil

        // Parameters.
        let placeholders = placeholders(in: path)
        let renamesToID = [.get, .update, .delete].contains(kind) && placeholders.count == 1
        var reserved: Set<String> = []
        if pages { reserved = ["limit", "next_cursor"] }
        if renamesToID { reserved.insert("id") }
        var arguments: [String: String] = [:]  // argument → location
        var parameters: [JSONValue] = []
        var declaredPath: Set<String> = []
        for parameter in operation.parameters {
            let place = parameter.location.rawValue
            switch auth.handles(parameter) {
            case .protocolHeader, .scheme: continue
            case .tokenParameter:
                credentialParametersLeftOut += 1
                continue
            case nil: break
            }
            if parameter.location == .cookie {
                cookieParametersLeftOut += 1
                continue
            }
            if parameter.location == .path {
                guard placeholders.contains(parameter.name) else { continue }
                declaredPath.insert(parameter.name)
            }
            if let style = parameter.unusualStyle, !unusualStyles.contains(style) { unusualStyles.append(style) }
            var argument = OpenAPINaming.argumentName(parameter.name)
            let owned = pages && paging.owned.contains(parameter.name)
            if !owned, reserved.contains(argument), !(parameter.location == .path && renamesToID) {
                argument = "\(argument)_\(place)"
            }
            while arguments[argument] != nil { argument = OpenAPINaming.argumentName("\(argument)_\(place)") }
            arguments[argument] = place
            var entry: JSONObject = ["name": .string(parameter.name)]
            if argument != parameter.name { entry["argument"] = .string(argument) }
            entry["in"] = .string(parameter.location.rawValue)
            if parameter.isRequired && parameter.location != .path { entry["required"] = true }
            if let text = parameter.description {
                let trimmed = OpenAPISchemaTranslator.trim(text, to: budget.parameterDescription)
                if trimmed != text { translator.countTrimmed() }
                entry["description"] = .string((parameter.deprecated ? "Deprecated. " : "") + trimmed)
            }
            var schema = parameter.schema.map { translator.translate($0, depth: 0) } ?? ["type": "string"]
            if schema.isEmpty { schema = [:] }
            // A parameter's description lives on the parameter.
            if entry["description"] != nil { schema["description"] = nil }
            entry["schema"] = .object(schema)
            let types = ArgumentValidator.allowedTypes(schema)
            if types.contains("array") || types.contains("object") || types.isEmpty {
                // Only a list or an object is written differently; `comma` on a header or path list.
                let style = parameter.location == .query ? parameter.style : parameter.style == .comma && types.contains("array") ? .comma : .form
                if style != .form { entry["style"] = .string(style.rawValue) }
            }
            parameters.append(.object(entry))
        }
        for name in placeholders where !declaredPath.contains(name) {
            // A placeholder the document forgot to declare still needs its value.
            var argument = OpenAPINaming.argumentName(name)
            while arguments[argument] != nil { argument += "_path" }
            arguments[argument] = "path"
            var entry: JSONObject = ["name": .string(name)]
            if argument != name { entry["argument"] = .string(argument) }
            entry["in"] = "path"
            entry["description"] = .string("The {\(name)} part of the path (the document does not describe it).")
            entry["schema"] = ["type": "string"]
            parameters.append(.object(entry))
            undocumentedPath.append("\(operation.label): {\(name)}")
        }
        if !parameters.isEmpty { method["parameters"] = .array(parameters) }

        // The body.
        if let body = operation.body, let built = buildBody(body, operation: operation, translator: &translator, taken: arguments, reserved: reserved, renamesToID: renamesToID, whole: wholeBody) {
            method["body"] = .object(built.body)
            if !built.renamed.isEmpty, case .array(var list)? = method["parameters"] {
                // Query or header parameters that share a name with a body field take a suffix.
                for index in list.indices {
                    guard case .object(var entry) = list[index] else { continue }
                    let argument = entry["argument"]?.stringValue ?? entry["name"]?.stringValue ?? ""
                    if let place = built.renamed[argument] {
                        entry["argument"] = .string(OpenAPINaming.argumentName("\(argument)_\(place)"))
                        list[index] = .object(entry)
                    }
                }
                method["parameters"] = .array(list)
            }
        }

        // The answer: a file, or accepted-not-done.
        let success = operation.responses.filter(\.isSuccess)
        let binaryTypes = success.flatMap(\.content).map(\.mediaType).filter(Self.isBinaryMediaType)
        if !binaryTypes.isEmpty {
            var response: JSONObject = ["binary": true]
            let declared = Self.unique(binaryTypes.filter { !$0.hasPrefix("audio/") && !$0.hasPrefix("video/") && !$0.hasPrefix("image/") && !["application/octet-stream", "application/pdf", "application/zip"].contains($0) })
            if !declared.isEmpty { response["media_types"] = .array(declared.map { .string($0) }) }
            method["response"] = .object(response)
        }
        if !success.isEmpty, success.allSatisfy({ $0.status == "202" }) {
            method["async"] = "The API answers 202 Accepted: the work goes on after this call returns; check the resource afterwards to see when it is done."
        }
        if kind == .custom, operation.method == "GET" { method["read_only"] = true }
        return (method, translator.notes)
    }

    private func description(_ operation: OpenAPIOperation, budget: OpenAPIBudgetLevel, translator: inout OpenAPISchemaTranslator) -> String {
        var text: String
        switch (operation.summary, operation.description) {
        case (let summary?, let description?):
            text = description.hasPrefix(summary) || description.count > 3 * summary.count ? description : "\(summary). \(description)"
        case (let summary?, nil): text = summary
        case (nil, let description?): text = description
        case (nil, nil):
            text = "\(operation.method) \(String(operation.path.prefix { $0 != "#" }))\(operation.operationID.map { " (\($0))" } ?? ""). The API's document does not describe this operation."
        }
        if operation.deprecated { text = "Deprecated. " + text }
        let trimmed = OpenAPISchemaTranslator.trim(text, to: budget.toolDescription)
        if trimmed != text { translator.countTrimmed() }
        return trimmed
    }

    private static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    private static func unique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }

    static func isBinaryMediaType(_ type: String) -> Bool {
        if type.hasPrefix("audio/") || type.hasPrefix("video/") || type.hasPrefix("image/") || type.hasPrefix("font/") { return true }
        if ["application/octet-stream", "application/pdf", "application/zip", "application/gzip", "application/x-tar", "application/x-gzip", "application/x-zip-compressed"].contains(type) {
            return true
        }
        if type.hasPrefix("application/vnd.") && !type.contains("json") && !type.contains("xml") { return true }
        return false
    }

    /// The request body in the definition's terms, and the parameter arguments that must
    /// take a suffix because a body field has their name.
    private mutating func buildBody(
        _ body: OpenAPIBody, operation: OpenAPIOperation, translator: inout OpenAPISchemaTranslator, taken: [String: String],
        reserved: Set<String>, renamesToID: Bool, whole: Bool
    ) -> (body: JSONObject, renamed: [String: String])? {
        // JSON first, then a form, multipart, text, and last a raw file.
        func rank(_ type: String) -> Int {
            if type == "application/json" || type.hasPrefix("application/json;") { return 0 }
            if type.contains("json") { return 1 }
            if type.hasPrefix("application/x-www-form-urlencoded") { return 2 }
            if type.hasPrefix("multipart/form-data") { return 3 }
            if type.hasPrefix("text/") { return 4 }
            if type == "*/*" { return 5 }
            return 6
        }
        guard let media = body.content.min(by: { rank($0.mediaType) < rank($1.mediaType) }) else { return nil }
        let type = media.mediaType
        var out: JSONObject = [:]
        if body.isRequired { out["required"] = true }

        switch rank(type) {
        case 6 where type.hasPrefix("multipart/"):
            mediaTypeNote("\(type) request bodies are sent as multipart/form-data")
            fallthrough
        case 3:
            return formLike(media, contentType: "multipart/form-data", operation: operation, translator: &translator, taken: taken, renamesToID: renamesToID, required: body.isRequired, files: true)
        case 2:
            return formLike(media, contentType: "application/x-www-form-urlencoded", operation: operation, translator: &translator, taken: taken, renamesToID: renamesToID, required: body.isRequired, files: false)
        case 4:
            out["content_type"] = "text/plain"
            if type != "text/plain" { mediaTypeNote("\(type) request bodies are sent as text/plain") }
            var schema = media.schema.map { translator.translate($0, depth: 0) } ?? [:]
            schema["type"] = "string"
            if let text = body.description, schema["description"] == nil { schema["description"] = .string(translator.trim(text)) }
            out["schema"] = .object(schema)
            return (out, [:])
        case 6:
            // One file as the whole body.
            var argument = "file"
            while taken[argument] != nil { argument = "body_\(argument)" }
            let about = body.description.map { translator.trim($0) + " " } ?? ""
            out["content_type"] = .string(type.contains("*") && !type.hasSuffix("/*") ? "application/octet-stream" : type)
            out["files"] = [.string(argument)]
            out["schema"] = [
                "type": "object",
                "properties": [argument: ["type": "string", "description": .string("\(about)The file sent as the request body (\(type)).")]],
                "required": [.string(argument)],
            ]
            out["required"] = true
            return (out, [:])
        default:
            break
        }
        // JSON.
        out["content_type"] = type.contains("vnd.api+json") ? "application/vnd.api+json" : "application/json"
        if rank(type) == 1, !type.contains("vnd.api+json") { mediaTypeNote("\(type) request bodies are sent as application/json") }
        if rank(type) == 5 { mediaTypeNote("*/* request bodies are sent as application/json") }
        var schema = media.schema.map { translator.translate($0, depth: -1) } ?? [:]
        if case .object(var properties)? = schema["properties"], !properties.isEmpty, !whole,
            ArgumentValidator.allowedTypes(schema).isEmpty || ArgumentValidator.allowedTypes(schema).contains("object")
        {
            var renamed: [String: String] = [:]
            var flattenable = properties.keys.allSatisfy(DefinitionDecoder.isArgumentName)
            for name in properties.keys {
                guard let place = taken[name] else { continue }
                if place == "path" || (renamesToID && name == "id") { flattenable = false } else { renamed[name] = place }
            }
            if renamesToID && properties["id"] != nil { flattenable = false }
            // A list's limit and next_cursor are conduit's: a body field of that name keeps the body whole.
            if properties.keys.contains(where: { reserved.contains($0) && $0 != "id" }) { flattenable = false }
            if flattenable {
                for (name, value) in properties {
                    guard case .object(var property) = value else { continue }
                    if property.isEmpty { property["description"] = "Any JSON value." }
                    properties[name] = .object(property)
                }
                var flat: JSONObject = ["type": "object", "properties": .object(properties)]
                if let required = schema["required"] { flat["required"] = required }
                out["schema"] = .object(flat)
                requireDocumentedFields(of: schema, body: body, operation: operation, in: &out)
                return (out, renamed)
            }
        }
        if whole {
            var open: JSONObject = ["type": "object"]
            let fields = schema["properties"]?.objectValue?.keys ?? []
            var about = body.description.map { translator.trim($0) + " " } ?? ""
            if !fields.isEmpty { about += "Fields: \(fields.prefix(40).joined(separator: ", "))\(fields.count > 40 ? ", …" : ""). " }
            open["description"] = .string(about + "Pass the body as the API documents it.")
            out["schema"] = .object(open)
            return (out, [:])
        }
        if schema["description"] == nil, let text = body.description { schema["description"] = .string(translator.trim(text)) }
        if schema["properties"] != nil { out["flatten"] = false }
        out["schema"] = .object(schema)
        requireDocumentedFields(of: schema, body: body, operation: operation, in: &out)
        return (out, [:])
    }

    /// Many documents (GitHub's among them) leave `requestBody.required` unset on a POST or
    /// PUT (or DELETE) whose schema requires fields: the API refuses the call without them, so a model
    /// must be told. Such a body is taken as required (a PATCH keeps its fields optional).
    private mutating func requireDocumentedFields(of schema: JSONObject, body: OpenAPIBody, operation: OpenAPIOperation, in out: inout JSONObject) {
        guard !body.isRequired, ["POST", "PUT", "DELETE"].contains(operation.method.uppercased()),
            let required = schema["required"]?.arrayValue, !required.isEmpty
        else { return }
        out["required"] = true
        bodiesTakenAsRequired += 1
    }

    /// A multipart or form body: an object whose fields become arguments (files, for
    /// multipart, are local paths), leaving out fields whose names are not valid arguments.
    private mutating func formLike(
        _ media: OpenAPIMedia, contentType: String, operation: OpenAPIOperation, translator: inout OpenAPISchemaTranslator,
        taken: [String: String], renamesToID: Bool, required: Bool, files: Bool
    ) -> (body: JSONObject, renamed: [String: String])? {
        let schema = media.schema.map { translator.translate($0, depth: -1) } ?? [:]
        var properties = schema["properties"]?.objectValue ?? [:]
        var renamed: [String: String] = [:]
        var fileNames: [String] = []
        var dropped: [String] = []
        for (name, value) in properties {
            let place = taken[name]
            if !DefinitionDecoder.isArgumentName(name) || place == "path" || (renamesToID && name == "id") {
                dropped.append(name)
                properties[name] = nil
                continue
            }
            if let place { renamed[name] = place }
            guard files, case .object(var property) = value else { continue }
            let format = property["format"]?.stringValue
            let mediaType = property["contentMediaType"]?.stringValue
            let isFile = format == "binary" || (mediaType != nil && !(mediaType!.hasPrefix("text/") || mediaType!.contains("json")))
            if isFile && (property["type"] == nil || property["type"] == "string") {
                property = ["type": "string"]
                if let text = value["description"]?.stringValue { property["description"] = .string(text) }
                properties[name] = .object(property)
                fileNames.append(name)
            } else if case .object(let items)? = property["items"], items["format"] == "binary" {
                mediaTypeNote("an array of files in a multipart body is sent as one text field")
            }
        }
        if !dropped.isEmpty {
            mediaTypeNote("form fields whose names are not argument names (\(dropped.prefix(3).joined(separator: ", "))…) are left out")
        }
        guard !properties.isEmpty else {
            mediaTypeNote("\(contentType) bodies without usable fields are left out")
            return nil
        }
        var out: JSONObject = ["content_type": .string(contentType)]
        if required { out["required"] = true }
        var flat: JSONObject = ["type": "object", "properties": .object(properties)]
        if case .array(let list)? = schema["required"] {
            let kept = list.filter { $0.stringValue.map { properties[$0] != nil } ?? false }
            if !kept.isEmpty { flat["required"] = .array(kept) }
        }
        out["schema"] = .object(flat)
        if !fileNames.isEmpty { out["files"] = .array(fileNames.map { .string($0) }) }
        return (out, renamed)
    }

    private mutating func mediaTypeNote(_ note: String) {
        if !mediaTypeNotes.contains(note) { mediaTypeNotes.append(note) }
    }

    // MARK: - Summary

    private func integrationDescription() -> String {
        let title = report.title
        // Only the start matters (a description may be megabytes long).
        let info = document.root["info"]?["description"]?.string.map { String($0.prefix(2000)) }.flatMap(OpenAPIDocument.text)
        var text = info.map { String($0.split(separator: "\n\n", maxSplits: 1).first ?? "") } ?? ""
        text = OpenAPISchemaTranslator.trim(Self.oneLine(text), to: 400)
        let origin = "Imported from the OpenAPI document of \(title)."
        return text.isEmpty ? origin : "\(text) (\(origin))"
    }

    private mutating func summarizeSimplifications() {
        var list: [String] = []
        for (reference, reason) in document.brokenReferences {
            list.append("broken $ref \(reference): \(reason); the value it names is left untyped")
        }
        if !notes.recursion.isEmpty {
            list.append("recursion cut (the nested value is described, not expanded): \(notes.recursion.prefix(12).joined(separator: ", "))\(notes.recursion.count > 12 ? ", …" : "")")
        }
        if notes.mergedAllOf > 0 { list.append("allOf merged into one schema (\(notes.mergedAllOf) time\(notes.mergedAllOf == 1 ? "" : "s"))") }
        if notes.readOnlyDropped > 0 { list.append("readOnly properties left out of inputs (\(notes.readOnlyDropped))") }
        if notes.nullable > 0 { list.append("nullable written as a type that includes null (\(notes.nullable))") }
        if notes.files > 0 { list.append("Swagger type: file read as a string (a local file path for uploads) (\(notes.files))") }
        if !unusualStyles.isEmpty { list.append("parameter serialisations sent as plain or comma-separated values: \(unusualStyles.joined(separator: ", "))") }
        if credentialParametersLeftOut > 0 {
            list.append("\(credentialParametersLeftOut) token or key parameters left out: the account's credentials authenticate every call")
        }
        if cookieParametersLeftOut > 0 { list.append("\(cookieParametersLeftOut) cookie parameters left out (conduit sends none)") }
        if bodiesTakenAsRequired > 0 {
            list.append("\(bodiesTakenAsRequired) POST/PUT/DELETE bodies taken as required: their schema requires fields though the document leaves the body optional")
        }
        for note in undocumentedPath { list.append("undeclared path parameter \(note) added as a string") }
        list += mediaTypeNotes
        report.simplifications += list
    }
}
