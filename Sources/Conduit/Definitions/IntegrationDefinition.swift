/// An integration: how to reach one REST API and which of its operations become tools.
///
/// Built from a definition file (see Docs/definition-format.md) by `DefinitionDecoder`,
/// which reports every problem with its JSON path instead of stopping at the first.
package struct IntegrationDefinition: Sendable {
    package var name: String
    package var title: String
    package var description: String
    package var instructions: String?
    package var baseURL: String
    package var credentials: [CredentialSpec]
    package var auth: [AuthScheme]
    /// Each auth scheme's `id`, where the definition names it: scheme id → index in `auth`.
    package var authIDs: [String: Int] = [:]
    package var errorMessagePaths: [JSONPath]
    package var rateLimitHeaders: RateLimitHeaders
    package var binaryMediaTypes: [String]
    package var resources: [ResourceDefinition]
    /// How the definition's methods answer the vendor-neutral meeting and user tools.
    package var unified: UnifiedMapping? = nil
}

/// A credential the account file must (or may) supply.
package struct CredentialSpec: Sendable {
    package var name: String
    package var description: String
    package var isSecret: Bool
}

/// How requests are authenticated. Each case names credentials, never holds them.
package enum AuthScheme: Sendable {
    case header(name: String, valueTemplate: String)
    /// A query parameter carrying a credential (OpenAPI apiKey `in: query`).
    case query(parameter: String, valueTemplate: String)
    case basic(username: String, password: String)
    case bearer(token: String)
    /// `tokenPath` is relative to the base URL, or an absolute `https://` token URL.
    case oauth2ClientCredentials(tokenPath: String, clientID: String, clientSecret: String, scope: String?)
    /// No authentication: for APIs whose document declares none.
    case none

    /// The credentials this scheme needs, all of which must be present for it to be chosen.
    package var credentialNames: [String] {
        switch self {
        case .header(_, let template), .query(_, let template): placeholders(in: template)
        case .basic(let username, let password): [username, password]
        case .bearer(let token): [token]
        case .oauth2ClientCredentials(_, let clientID, let clientSecret, _): [clientID, clientSecret]
        case .none: []
        }
    }

    package var typeName: String {
        switch self {
        case .header: "header"
        case .query: "query"
        case .basic: "basic"
        case .bearer: "bearer"
        case .oauth2ClientCredentials: "oauth2_client_credentials"
        case .none: "none"
        }
    }
}

/// Vendor header names for rate-limit state, beyond the common ones conduit always reads.
package struct RateLimitHeaders: Sendable {
    package enum ResetStyle: String, Sendable { case delta, epoch }
    package var limit: [String] = []
    package var remaining: [String] = []
    package var reset: [String] = []
    package var resetStyle: ResetStyle?
}

package struct ResourceDefinition: Sendable {
    package var name: String
    package var singular: String
    package var title: String?
    package var description: String?
    package var tags: [String]
    package var methods: [MethodDefinition]
}

/// The five CRUD kinds and everything else.
package enum MethodKind: String, Sendable, CaseIterable {
    case list, get, create, update, delete, custom

    package init(methodName: String) {
        self = MethodKind(rawValue: methodName) ?? .custom
    }

    /// The account file's `server.methods` group this kind belongs to.
    package var group: String {
        switch self {
        case .list, .get: "read"
        case .create, .update, .delete: "write"
        case .custom: "custom"
        }
    }
}

package struct MethodDefinition: Sendable {
    package var name: String
    package var kind: MethodKind
    package var http: String
    package var path: String
    package var summary: String?
    package var description: String?
    package var scopes: [String]
    package var tags: [String]
    package var parameters: [ParameterDefinition]
    package var body: BodyDefinition?
    package var pagination: Pagination?
    /// Where the list's items may sit, in order of preference: the first path present
    /// (and not null) in a response wins. Empty means the body itself.
    package var resultsPaths: [JSONPath]
    package var binaryResponse: Bool
    package var responseMediaTypes: [String]
    package var asyncNote: String?
    package var readOnly: Bool?
    package var idempotent: Bool?
    package var destructive: Bool?
    package var outputSchema: JSONObject?
    package var examples: [MethodExample]
    /// What to do after a successful call, told in its result as `next_step`; `{field}`
    /// is replaced by that top-level field of the result (Gong's callId for the upload).
    package var nextStep: String? = nil
    /// The operation's id in the API's OpenAPI document (kept in the tool's `_meta`).
    package var operationID: String? = nil
    /// This method's own API origin when it differs from the definition's (an OpenAPI
    /// operation- or path-level server); the account's `base_url` still replaces it.
    package var baseURL: String? = nil
    /// The auth schemes this method accepts, as indexes into the definition's `auth`, in
    /// order of preference; empty: it sends no credentials; nil: the account's scheme.
    package var auth: [Int]? = nil

    /// Whether calls page with conduit's `limit` and `next_cursor`: every list, and any
    /// other method whose definition says how it pages (Slack's `conversations.history`).
    package var pages: Bool { kind == .list || pagination != nil }
}

package struct MethodExample: Sendable {
    package var arguments: JSONObject
    package var description: String?
}

package struct ParameterDefinition: Sendable {
    package enum Location: String, Sendable { case path, query, header }
    package var name: String
    package var argument: String
    package var location: Location
    package var isRequired: Bool
    package var description: String?
    package var schema: JSONObject
    package var style: QueryStyle = .form
    package var sendDefault: Bool
}

/// How a query parameter's list or object value is written (OpenAPI's `style`).
package enum QueryStyle: String, Sendable, CaseIterable {
    /// Lists repeat the name (`id=1&id=2`); an object's properties are parameters of their own.
    case form
    /// `id=1,2`; an object as `name=key,value,key,value`.
    case comma
    /// `id=1|2` and `id=1%202` (pipeDelimited, spaceDelimited).
    case pipe, space
    /// An object as `name[key]=value`, nested as `name[a][b]=value`, lists as `name[key][]=v`.
    case deepObject = "deep_object"

    /// Whether a model's comma-separated text is read as this parameter's list.
    package var takesCommaText: Bool { self == .comma }
}

package struct BodyDefinition: Sendable {
    package enum ContentType: String, Sendable, CaseIterable {
        case json = "application/json"
        case jsonAPI = "application/vnd.api+json"
        case plainText = "text/plain"
        case form = "application/x-www-form-urlencoded"
        /// Fields and files (`files` names the properties that are local file paths).
        case multipart = "multipart/form-data"
        /// One file sent as the whole body, as `mediaType` (any media type the
        /// definition gives, e.g. `audio/mpeg` or a vendor's `application/vnd.…+json`).
        case file = "file"
    }

    package var contentType: ContentType
    /// Properties whose argument is a local file path to upload (multipart and file bodies).
    package var files: [String] = []
    /// The media type a file body is sent as; `type/*` or nil means "from the file's extension".
    package var mediaType: String?
    package var isRequired: Bool
    package var schema: JSONObject
    package var jsonAPIType: String?
    /// The body property sent as the JSON:API `data.id` rather than as an attribute.
    package var jsonAPIIDProperty: String?
    /// False keeps even an object schema as one `body` argument (`flatten: false`).
    package var flatten = true

    /// An object schema with properties is spread into one argument per property;
    /// anything else is a single `body` argument.
    package var isFlattened: Bool {
        flatten && schema["type"] == .string("object") && schema["properties"]?.objectValue != nil
    }

    package var properties: JSONObject { schema["properties"]?.objectValue ?? [:] }

    package var requiredProperties: [String] {
        schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}

package struct Pagination: Sendable {
    /// `link`: the next page's address comes in the `Link` response header (`rel="next"`).
    package enum Style: String, Sendable, CaseIterable { case cursor, page, offset, link, none }
    package enum CursorLocation: String, Sendable { case query, body }

    package var style: Style
    package var cursorParameter: String?
    package var cursorLocation: CursorLocation = .query
    /// Where the next cursor may sit, in order of preference: the first path holding a
    /// value that is not null or empty wins; none = last page.
    package var nextCursorPaths: [JSONPath] = []
    /// Cursor style without a next-cursor field: the next cursor is this field of the
    /// page's last record (`id` for Stripe-style `starting_after`), while `morePath` says more exist.
    package var lastRecordCursorPath: JSONPath?
    package var pageParameter: String?
    package var pageStart: Int = 0
    package var morePath: JSONPath?
    package var offsetParameter: String?
    package var totalPath: JSONPath?
    package var limitParameter: String?
    package var maximumLimit: Int?

    /// Vendor request parameters that pagination owns, hidden from the tool's arguments.
    package var ownedParameters: Set<String> {
        Set([cursorParameter, pageParameter, offsetParameter, limitParameter].compactMap { $0 })
    }
}

/// The `{name}` placeholders of a template, in order.
package func placeholders(in template: String) -> [String] {
    var names: [String] = []
    var current: String?
    for character in template {
        if character == "{" {
            current = ""
        } else if character == "}", let name = current {
            names.append(name)
            current = nil
        } else if current != nil {
            current!.append(character)
        }
    }
    return names
}
