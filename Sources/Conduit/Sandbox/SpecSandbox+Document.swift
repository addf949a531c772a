/// Reading a stand-in's operations out of an OpenAPI document: the same loaded document
/// (and local `$ref` files) the importer reads, schemas translated the same way, with
/// nothing trimmed for a model's context.
extension SpecSandbox {
    /// Where the stand-in hands out tokens when the document's auth is OAuth2 client
    /// credentials (whose token URL is absolute, and would otherwise leave the machine).
    package static let tokenPath = "/conduit-sandbox/oauth/token"

    /// Generous limits: the stand-in checks requests against the whole schema.
    private static let limits = OpenAPISchemaTranslator.Limits(
        maximumDepth: 12, descriptionLength: 0, keepExamples: true, maximumEnum: 10_000, nodeBudget: 100_000)

    /// Every operation of `document`; `carriers` are where the account's credential
    /// travels, required of each operation the document secures, unless the operation
    /// accepts only some schemes (by their ids in `schemes`): then where those travel.
    static func operations(
        of document: OpenAPIDocument, carriers: [SpecOperation.Parameter], schemes: [String: AuthScheme] = [:]
    ) -> [SpecOperation] {
        var operations: [SpecOperation] = []
        let auth = OpenAPIAuth(document: document)
        for operation in document.operations() {
            // Box writes `/files/{id}#add_shared_link`: the fragment names a method, not a path.
            let path = String(operation.path.prefix { $0 != "#" })
            var input = OpenAPISchemaTranslator(document: document, limits: limits, mode: .input)
            var output = OpenAPISchemaTranslator(document: document, limits: limits, mode: .output)
            // What conduit's own request carries instead (credentials, protocol headers) is
            // not asked of it again, nor a cookie, which conduit never sends.
            let documented = operation.parameters.filter { auth.handles($0) == nil && $0.location != .cookie }
            let parameters = documented.map { parameter in
                SpecOperation.Parameter(
                    name: parameter.name, location: SpecOperation.Parameter.Location(rawValue: parameter.location.rawValue) ?? .query,
                    isRequired: parameter.isRequired || parameter.location == .path,
                    schema: parameter.schema.map { input.translate($0, depth: 0) } ?? [:])
            }
            var body: SpecOperation.Body?
            if let given = operation.body {
                let checked = given.content.first { $0.mediaType.contains("json") }
                    ?? given.content.first { $0.mediaType.hasPrefix("application/x-www-form-urlencoded") || $0.mediaType.hasPrefix("multipart/form-data") }
                body = SpecOperation.Body(
                    isRequired: given.isRequired, mediaTypes: given.content.map(\.mediaType),
                    schema: checked?.schema.map { input.translate($0, depth: 0) })
            }
            operations.append(SpecOperation(
                method: operation.method.uppercased(), path: path, parameters: parameters, body: body,
                success: success(of: operation, in: document, translator: &output),
                badRequestStatus: operation.responses.lazy.compactMap { Int($0.status) }.first { $0 == 400 || $0 == 422 } ?? 400,
                credentialCarriers: operation.security.isEmpty ? [] : auth.accepted(by: operation).map { ids in
                    ids.compactMap { schemes[$0] }.flatMap(Self.carriers(of:))
                } ?? carriers))
        }
        return operations
    }

    /// The documented answer: the lowest 2xx (or `2XX`, or `default`), JSON first, with the
    /// media type's example, else the schema's.
    private static func success(
        of operation: OpenAPIOperation, in document: OpenAPIDocument, translator: inout OpenAPISchemaTranslator
    ) -> SpecOperation.Response {
        let successes = operation.responses.filter(\.isSuccess).sorted { $0.status < $1.status }
        guard let response = successes.first ?? operation.responses.first(where: { $0.status == "default" }) else {
            return SpecOperation.Response(status: operation.method.uppercased() == "POST" ? 201 : 200, mediaType: "application/json", example: ["ok": true])
        }
        let status = Int(response.status) ?? (response.status == "default" ? 200 : Int(response.status.prefix(1)).map { $0 * 100 } ?? 200)
        guard let media = response.content.first(where: { $0.mediaType.contains("json") }) ?? response.content.first else {
            return SpecOperation.Response(status: status, mediaType: nil)
        }
        let example = media.example
        let mediaType = media.mediaType == "*/*" ? "application/octet-stream" : media.mediaType
        return SpecOperation.Response(status: status, mediaType: mediaType, example: example, schema: media.schema.map { translator.translate($0, depth: 0) })
    }

    /// Where a scheme's credential travels, for the stand-in's check.
    static func carriers(of scheme: AuthScheme) -> [SpecOperation.Parameter] {
        func header(_ name: String) -> SpecOperation.Parameter { .init(name: name, location: .header, isRequired: true, schema: [:]) }
        switch scheme {
        case .header(let name, _): return [header(name)]
        case .basic, .bearer, .oauth2ClientCredentials: return [header("Authorization")]
        case .query(let name, _): return [.init(name: name, location: .query, isRequired: true, schema: [:])]
        case .none: return []
        }
    }
}
