/// A document's security schemes as conduit auth entries, under the fixed credential
/// names an account gives: basic → `username` and `password`; bearer, OpenID Connect and
/// every OAuth2 flow but client credentials → `access_token`; apiKey → `api_key`; client
/// credentials → `client_id` and `client_secret`. When two schemes would need the same
/// name, the later one's names are prefixed with its scheme key (`partner_api_key`).
struct OpenAPIAuth {
    /// The definition's `credentials` object.
    var credentials = JSONObject()
    /// The definition's `auth` array, in preference order.
    var auth: [JSONValue] = []
    /// For the report: each scheme key with the credentials it needs (`bearer_auth: access_token`).
    var summary: [String] = []
    /// Schemes that could not be mapped, and why.
    var notes: [String] = []
    /// Where credentials travel as parameters (`header:X-API-Key`, `query:access_token`), so
    /// the same parameters are not also offered as tool arguments.
    var credentialParameters: Set<String> = []
    /// OAuth2 scheme keys, whose requirements list scopes.
    var oauthSchemes: Set<String> = []
    /// Each document scheme's auth entries, by their `id`: the scheme key, and for an OAuth2
    /// scheme that is also client credentials, `key.client_credentials` for that entry.
    private(set) var entryIDs: [String: [String]] = [:]

    /// The auth entries an operation accepts, when they are not simply every scheme (which
    /// the account's own choice covers): its requirements' schemes in order, or none at all
    /// for an operation the document leaves open. Nil also when a requirement may be empty
    /// (auth optional) or when the document maps no scheme.
    func accepted(by operation: OpenAPIOperation) -> [String]? {
        guard !entryIDs.isEmpty else { return nil }
        if operation.security.isEmpty { return [] }
        if operation.security.contains(where: \.isEmpty) { return nil }
        var ids: [String] = []
        for requirement in operation.security {
            // Schemes required together are approximated by their first (conduit sends one).
            for id in entryIDs[requirement[0].scheme] ?? [] where !ids.contains(id) { ids.append(id) }
        }
        let every = Set(entryIDs.values.joined())
        return ids.isEmpty || Set(ids) == every ? nil : ids
    }

    /// Why a documented parameter is not a tool argument, when it is one conduit's own
    /// request carries: a protocol header, the security scheme's own key, or a token
    /// parameter the account's credentials replace (Slack's `token` on every method).
    enum Handled { case protocolHeader, scheme, tokenParameter }

    func handles(_ parameter: OpenAPIParameter) -> Handled? {
        let lower = parameter.name.lowercased()
        if parameter.location == .header, ["accept", "content-type", "authorization"].contains(lower) { return .protocolHeader }
        let key = parameter.location == .header ? "header:\(lower)" : "\(parameter.location.rawValue):\(parameter.name)"
        if credentialParameters.contains(key) { return .scheme }
        if parameter.location != .path, ["token", "access_token", "api_key", "apikey"].contains(lower), !auth.isEmpty, auth.last != ["type": "none"] {
            return .tokenParameter
        }
        return nil
    }

    init(document: OpenAPIDocument) {
        let root = document.root
        let schemes: [(key: String, node: OpenAPINode)]
        if document.version == .swagger2 {
            schemes = root["securityDefinitions"].flatMap(document.resolve)?.members ?? []
        } else {
            schemes = root["components"].flatMap(document.resolve)?["securitySchemes"].flatMap(document.resolve)?.members ?? []
        }
        // The schemes the document asks for first come first.
        var order: [String] = []
        for requirement in root["security"].flatMap(document.resolve)?.elements ?? [] {
            for (key, _) in requirement.members where !order.contains(key) { order.append(key) }
        }
        let ordered = schemes.filter { order.contains($0.key) }.sorted { order.firstIndex(of: $0.key)! < order.firstIndex(of: $1.key)! }
            + schemes.filter { !order.contains($0.key) }

        for (key, raw) in ordered {
            let first = auth.count
            defer { nameEntries(of: key, from: first) }
            guard let scheme = document.resolve(raw), let type = scheme["type"]?.string else { continue }
            let about = OpenAPIDocument.text(scheme["description"]?.string).map { OpenAPISchemaTranslator.trim($0, to: 300) }
            switch type {
            case "apiKey":
                guard let name = scheme["name"]?.string, let place = scheme["in"]?.string else {
                    notes.append("security scheme \(key): an apiKey without name or in; left out")
                    continue
                }
                let credential = claim(["api_key"], key: key, descriptions: ["The API key (\(key), sent as \(place) \(name))." + (about.map { " " + $0 } ?? "")])
                switch place {
                case "header":
                    auth.append(["type": "header", "header": .string(name), "value": .string("{\(credential[0])}")])
                    credentialParameters.insert("header:\(name.lowercased())")
                case "query":
                    auth.append(["type": "query", "param": .string(name), "value": .string("{\(credential[0])}")])
                    credentialParameters.insert("query:\(name)")
                case "cookie":
                    auth.append(["type": "header", "header": "Cookie", "value": .string("\(name)={\(credential[0])}")])
                    credentialParameters.insert("cookie:\(name)")
                default:
                    notes.append("security scheme \(key): an apiKey in \(place) is not supported; left out")
                    continue
                }
                summary.append("\(key) (apiKey in \(place) \(name)): \(credential[0])")
            case "basic":
                addBasic(key, about: about)
            case "http":
                let kind = scheme["scheme"]?.string?.lowercased() ?? ""
                switch kind {
                case "basic":
                    addBasic(key, about: about)
                case "bearer":
                    addBearer(key, about: about, what: "http bearer")
                case "digest", "hoba", "mutual", "negotiate", "vapid", "scram-sha-1", "scram-sha-256":
                    notes.append("security scheme \(key): HTTP \(kind) authentication is not supported; left out")
                default:
                    // Another scheme word (`Token`): the credential follows it in Authorization.
                    let word = scheme["scheme"]?.string ?? "Bearer"
                    let credential = claim(["access_token"], key: key, descriptions: ["The token sent as \"Authorization: \(word) …\" (\(key))." + (about.map { " " + $0 } ?? "")])
                    auth.append(["type": "header", "header": "Authorization", "value": .string("\(word) {\(credential[0])}")])
                    summary.append("\(key) (http \(word)): \(credential[0])")
                }
            case "oauth2":
                oauthSchemes.insert(key)
                let flows = scheme["flows"].flatMap(document.resolve)?.members.map(\.key) ?? []
                let swaggerFlow = scheme["flow"]?.string
                var clientCredentialsURL: String?
                if let flow = scheme["flows"]?["clientCredentials"] {
                    clientCredentialsURL = document.resolve(flow)?["tokenUrl"]?.string
                } else if swaggerFlow == "application" {
                    clientCredentialsURL = scheme["tokenUrl"]?.string
                }
                let otherFlows = flows.filter { $0 != "clientCredentials" } + (swaggerFlow.map { $0 == "application" ? [] : [$0] } ?? [])
                if !otherFlows.isEmpty || clientCredentialsURL == nil {
                    addBearer(key, about: about, what: "OAuth2 \(otherFlows.isEmpty ? "" : otherFlows.joined(separator: ", ") + " ")access token")
                }
                if let tokenURL = clientCredentialsURL {
                    guard tokenURL.hasPrefix("https://") || tokenURL.hasPrefix("http://") else {
                        notes.append("security scheme \(key): the client-credentials token URL \"\(tokenURL)\" is not absolute; that flow is left out")
                        continue
                    }
                    let names = claim(
                        ["client_id", "client_secret"], key: key,
                        descriptions: ["The OAuth2 client id (\(key), client credentials).", "The OAuth2 client secret (\(key), client credentials)."])
                    auth.append(["type": "oauth2_client_credentials", "token_url": .string(tokenURL), "client_id": .string(names[0]), "client_secret": .string(names[1])])
                    summary.append("\(key) (OAuth2 client credentials, token from \(tokenURL)): \(names[0]) + \(names[1])")
                }
            case "openIdConnect":
                addBearer(key, about: about, what: "OpenID Connect access token")
            default:
                notes.append("security scheme \(key): type \(type) is not supported; left out")
            }
        }
        if auth.isEmpty {
            // Nothing declared (GitHub's document): a token when the account gives one, else nothing.
            let credential = claim(["access_token"], key: "token", descriptions: ["An access token, sent as \"Authorization: Bearer …\". Optional: the document declares no authentication."])
            auth.append(["type": "bearer", "token": .string(credential[0])])
            auth.append(["type": "none"])
            summary.append(schemes.isEmpty
                ? "the document declares no security scheme: access_token is optional (sent as a bearer token when given)"
                : "no usable security scheme: access_token is optional (sent as a bearer token when given)")
        }
    }

    /// Gives the entries one scheme added their ids.
    private mutating func nameEntries(of key: String, from first: Int) {
        guard first < auth.count else { return }
        var ids: [String] = []
        for index in first..<auth.count {
            guard case .object(var entry) = auth[index] else { continue }
            let id = index == first ? key : entry["type"] == "oauth2_client_credentials" ? "\(key).client_credentials" : "\(key).\(index - first + 1)"
            entry["id"] = .string(id)
            auth[index] = .object(entry)
            ids.append(id)
        }
        entryIDs[key] = ids
    }

    private mutating func addBasic(_ key: String, about: String?) {
        let names = claim(["username", "password"], key: key, descriptions: ["The user name for HTTP Basic (\(key)).", "The password for HTTP Basic (\(key))." + (about.map { " " + $0 } ?? "")], secret: [false, true])
        auth.append(["type": "basic", "username": .string(names[0]), "password": .string(names[1])])
        summary.append("\(key) (http basic): \(names[0]) + \(names[1])")
    }

    private mutating func addBearer(_ key: String, about: String?, what: String) {
        let names = claim(["access_token"], key: key, descriptions: ["The \(what) (\(key)), sent as \"Authorization: Bearer …\"." + (about.map { " " + $0 } ?? "")])
        auth.append(["type": "bearer", "token": .string(names[0])])
        summary.append("\(key) (\(what)): \(names[0])")
    }

    /// The fixed names, or (when another scheme took one of them) the same names prefixed
    /// with this scheme's key, declared as credentials.
    private mutating func claim(_ names: [String], key: String, descriptions: [String], secret: [Bool]? = nil) -> [String] {
        var chosen = names
        if names.contains(where: { credentials[$0] != nil }) {
            let prefix = OpenAPINaming.identifier(key, fallback: "scheme")
            chosen = names.map { "\(prefix)_\($0)" }
            var suffix = 2
            while chosen.contains(where: { credentials[$0] != nil }) {
                chosen = names.map { "\(prefix)\(suffix)_\($0)" }
                suffix += 1
            }
        }
        for (index, name) in chosen.enumerated() {
            credentials[name] = ["description": .string(descriptions[index]), "secret": .bool(secret?[index] ?? true)]
        }
        return chosen
    }
}
