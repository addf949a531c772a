#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Produces the auth headers for upstream calls from the account's credentials,
/// using the first scheme of the definition whose credentials are all present.
package actor Authenticator {
    private let scheme: AuthScheme
    private let credentials: [String: String]
    private let baseURL: String
    private let http: HTTPClient
    private var token: (value: String, refreshToken: String?, refreshAt: Date)?
    private var pendingToken: Task<String, Error>?
    /// Query parameters every request carries (an API key sent in the query string).
    package nonisolated let queryParameters: [(name: String, value: String)]

    /// Picks the scheme, or explains which credentials are missing.
    package static func chooseScheme(_ definition: IntegrationDefinition, credentials: [String: String]) -> Result<AuthScheme, AccountError> {
        for scheme in definition.auth where scheme.credentialNames.allSatisfy({ credentials[$0] != nil }) {
            return .success(scheme)
        }
        let options = definition.auth.map { $0.credentialNames.joined(separator: " + ") }.joined(separator: ", or ")
        return .failure(AccountError("missing credentials for \(definition.title): set \(options) under \"credentials\""))
    }

    package init(scheme: AuthScheme, credentials: [String: String], baseURL: String, http: HTTPClient) {
        self.scheme = scheme
        self.credentials = credentials
        self.baseURL = baseURL
        self.http = http
        if case .query(let parameter, let template) = scheme {
            queryParameters = [(parameter, Self.fill(template, credentials: credentials))]
        } else {
            queryParameters = []
        }
        // Everything that goes on the wire as a credential is kept out of what conduit prints.
        for value in credentials.values { SecretRedactor.shared.register(value) }
        switch scheme {
        case .basic(let user, let password), .oauth2ClientCredentials(_, let user, let password, _):
            // The Basic pair goes on the wire as base64, a spelling of its own.
            SecretRedactor.shared.register(Self.basicPair(credentials[user], credentials[password]))
        case .header, .query, .bearer, .none:
            break
        }
    }

    /// The headers for the next request. For OAuth2, fetches or refreshes the token
    /// once for all concurrent callers.
    package func headers() async throws(ToolCallError) -> [(String, String)] {
        switch scheme {
        case .header(let name, let template):
            return [(name, Self.fill(template, credentials: credentials))]
        case .query, .none:
            return []
        case .basic(let username, let password):
            return [("Authorization", basicAuthorization(username, password))]
        case .bearer(let token):
            return [("Authorization", "Bearer \(credentials[token] ?? "")")]
        case .oauth2ClientCredentials:
            return [("Authorization", "Bearer \(try await accessToken())")]
        }
    }

    /// A template with each `{credential}` replaced by its value.
    private static func fill(_ template: String, credentials: [String: String]) -> String {
        var value = template
        for credential in placeholders(in: template) {
            value = value.replacing("{\(credential)}", with: credentials[credential] ?? "")
        }
        return value
    }

    /// `Basic base64(user:password)` from two credential names.
    private func basicAuthorization(_ user: String, _ password: String) -> String {
        "Basic " + Self.basicPair(credentials[user], credentials[password])
    }

    /// base64(user:password).
    private static func basicPair(_ user: String?, _ password: String?) -> String {
        Data("\(user ?? ""):\(password ?? "")".utf8).base64EncodedString()
    }

    /// After a 401 for a request sent with `used`: if that token is still the cached one,
    /// the next call refreshes it. A late 401 for an older token changes nothing, so
    /// concurrent refusals share one new token.
    package func invalidate(used: [(String, String)]) {
        guard let current = token, used.contains(where: { $0.1 == "Bearer \(current.value)" }) else { return }
        token?.refreshAt = .distantPast
    }

    package var refreshesTokens: Bool {
        if case .oauth2ClientCredentials = scheme { return true }
        return false
    }

    private func accessToken() async throws(ToolCallError) -> String {
        if let token, token.refreshAt > Date() { return token.value }
        if let pendingToken {
            do { return try await pendingToken.value } catch { throw Self.toolCallError(error) }
        }
        let refresh = token?.refreshToken
        let task = Task { try await self.requestToken(refreshToken: refresh) }
        pendingToken = task
        defer { pendingToken = nil }
        do {
            return try await task.value
        } catch {
            throw Self.toolCallError(error)
        }
    }

    /// What a failed token request means for the call: a transport failure keeps its code.
    private static func toolCallError(_ error: any Error) -> ToolCallError {
        if let error = error as? ToolCallError { return error }
        if let error = error as? TransportError { return ToolCallError(error) }
        return .authentication("\(error)")
    }

    private func requestToken(refreshToken: String?) async throws -> String {
        guard case .oauth2ClientCredentials(let tokenPath, let clientIDName, let secretName, let scope) = scheme else {
            throw ToolCallError.authentication("no token scheme")
        }
        var form = refreshToken.map { "grant_type=refresh_token&refresh_token=\(RequestBuilder.percentEncode($0))" }
            ?? "grant_type=client_credentials"
        if let scope, refreshToken == nil { form += "&scope=\(RequestBuilder.percentEncode(scope))" }
        // An OpenAPI document gives an absolute token URL; a hand-written definition a path.
        let tokenURL = tokenPath.hasPrefix("https://") || tokenPath.hasPrefix("http://") ? tokenPath : baseURL + tokenPath
        guard let url = URL(string: tokenURL) else { throw ToolCallError.authentication("invalid token URL") }
        let request = UpstreamRequest(
            method: "POST", url: url,
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
            body: Array(form.utf8))
        let response = try await http.send(request, extraHeaders: [("Authorization", basicAuthorization(clientIDName, secretName))])
        guard (200..<300).contains(response.status) else {
            if refreshToken != nil {
                // A refused refresh token: fall back to a new grant once.
                token = nil
                return try await requestToken(refreshToken: nil)
            }
            throw ToolCallError.authentication("the token endpoint answered HTTP \(response.status); check client_id and client_secret")
        }
        guard let document = try? JSONValue.parse(response.body), let value = document["access_token"]?.stringValue else {
            throw ToolCallError.authentication("the token endpoint's answer has no access_token")
        }
        SecretRedactor.shared.register(value)
        if let refresh = document["refresh_token"]?.stringValue { SecretRedactor.shared.register(refresh) }
        let lifetime = document["expires_in"]?.doubleValue ?? 3600
        token = (value, document["refresh_token"]?.stringValue, Date().addingTimeInterval(max(lifetime / 2, 1)))
        return value
    }
}
