/// Everything a running server needs, assembled once at start.
package struct ServerConfiguration: Sendable {
    package let definition: IntegrationDefinition
    package let account: Account
    package let catalog: ToolCatalog
    /// The authentication scheme, chosen once here: the first of the definition's schemes
    /// whose credentials the account holds, or why none can be used.
    package let auth: Result<AuthScheme, AccountError>
    /// True for `--sandbox`: the API is conduit's built-in stand-in with made-up data,
    /// which clients and models are told in the server's name, title and instructions.
    package let isSandbox: Bool
    /// What importing the account's OpenAPI document did, when it names one.
    package var importReport: OpenAPIImportReport?
    /// What `--sandbox` was given, for commands conduit suggests: the integration's name,
    /// or the path of the OpenAPI document the stand-in was built from.
    package var sandboxArgument: String?
    package var sandboxFlag: String { sandboxArgument ?? definition.name }

    /// `auth` is the scheme already chosen for this account, if the caller has chosen it.
    package init(
        definition: IntegrationDefinition, account: Account, catalog: ToolCatalog, isSandbox: Bool = false,
        auth: Result<AuthScheme, AccountError>? = nil
    ) {
        self.definition = definition
        self.account = account
        self.catalog = catalog
        self.isSandbox = isSandbox
        self.auth = auth ?? Authenticator.chooseScheme(definition, credentials: account.credentials)
    }

    package var serverName: String { "conduit-\(definition.name)\(isSandbox ? "-sandbox" : "")" }
    package var serverTitle: String {
        if isSandbox { return "conduit: \(definition.title) SANDBOX (made-up data)" }
        return account.settings.name ?? "conduit: \(definition.title)"
    }

    /// One sentence saying what a sandbox is, for instructions and command-line notes.
    package var sandboxNotice: String {
        let api = definition.title.hasSuffix(" API") ? definition.title : "\(definition.title) API"
        let data = sandboxArgument == nil
            ? "filled with made-up sample data"
            : "built from its OpenAPI document (answers are the document's examples, or made from its schemas)"
        return "SANDBOX: this is conduit's built-in offline stand-in for the \(api), \(data); no real \(definition.title) account is reached, and changes last only until this conduit process exits."
    }

    /// `serverInfo` for a revision (`title` exists from 2025-06-18).
    package func serverInfo(_ revision: ProtocolRevision) -> JSONValue {
        var info: JSONObject = ["name": .string(serverName), "version": .string(ConduitVersion.current)]
        if revision.hasStructuredContent { info["title"] = .string(serverTitle) }
        return .object(info)
    }

    /// Guidance for the model, written from the integration: what this server reaches
    /// and how to use its tools well.
    package var instructions: String {
        var text = isSandbox
            ? "\(sandboxNotice) Every person, company, call and recording here is fictional: never present the results as real customer data.\n\nThe tools behave as they would for a real account of \(definition.title). \(definition.description)"
            : "This server gives access to \(definition.title) for one configured account. \(definition.description)"
        if let extra = definition.instructions { text += "\n\n" + extra }
        var areas: [String] = []
        for tool in catalog.visible { for tag in tool.tags where !areas.contains(tag) { areas.append(tag) } }
        text += "\n\n\(catalog.visible.count) tool\(catalog.visible.count == 1 ? "" : "s") available"
        if !areas.isEmpty { text += ", covering: \(areas.joined(separator: ", "))" }
        text += "."
        text += " List tools (list_all_…) return {\"result\": [...], \"next_cursor\": ...}; pass next_cursor back exactly as received to page, and use limit to keep pages small."
        text += " Errors come back as tool results with isError set, carrying the HTTP status and the API's own message: read them and adjust the arguments rather than retrying blindly."
        return text
    }
}
