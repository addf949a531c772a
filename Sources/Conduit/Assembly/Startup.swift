#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Assembles a server from the command line's account choice, or explains in one
/// sentence per problem why it cannot start.
package enum Startup {
    /// The environment variable that may name the account file.
    package static let accountVariable = "CONDUIT_ACCOUNT"
    /// The environment variable holding the API token when `require_api_token_auth` is set.
    package static let apiTokenVariable = "CONDUIT_API_TOKEN"

    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var problems: [String]
        package var description: String { problems.joined(separator: "\n") }

        package init(_ problems: [String]) {
            self.problems = problems
        }
    }

    /// Loads the account and its definition and builds the catalog. With
    /// `collectAll`, keeps going after a problem so `conduit check` can list them all.
    package static func prepare(
        accountPath: String?, environment: [String: String], now: Date = Date(), collectAll: Bool = false
    ) throws(Failure) -> ServerConfiguration {
        guard let path = accountPath ?? environment[accountVariable], !path.isEmpty else {
            throw Failure(["no account file: pass --account FILE or set \(accountVariable)"])
        }
        var problems: [String] = []
        let account: Account
        if collectAll {
            // `conduit check` reads every field and goes on to the definition.
            guard let read = Account.load(path: path, environment: environment, problems: &problems), !read.integration.isEmpty else {
                throw Failure(problems)
            }
            account = read
        } else {
            do {
                account = try Account.load(path: path, environment: environment)
            } catch {
                throw Failure(error.problems)
            }
        }
        let loaded: DefinitionLoader.Loaded
        do {
            loaded = try DefinitionLoader.load(account.integration, relativeTo: path)
        } catch {
            if error.problems.count == 1, error.problems[0].path.isEmpty, error.problems[0].message.hasPrefix("no bundled integration"),
                BundledIntegrations.source(named: account.integration) == nil
            {
                throw Failure(problems + ["\(path): field \"integration\": \"\(account.integration)\" is not a bundled integration (\(BundledIntegrations.names.joined(separator: ", "))) nor a readable definition file"])
            }
            throw Failure(problems + error.description.split(separator: "\n").map(String.init))
        }
        let definition = loaded.definition
        for credential in account.credentials.keys.sorted() where !definition.credentials.contains(where: { $0.name == credential }) {
            let known = definition.credentials.map(\.name).joined(separator: ", ")
            problems.append("\(path): field \"credentials.\(credential)\" is not a \(definition.title) credential (expected \(known))")
        }
        let auth = Authenticator.chooseScheme(definition, credentials: account.credentials)
        // A credential whose variable is unset is reported already; "missing credentials" would say it twice.
        if case .failure(let error) = auth, !problems.contains(where: { $0.contains("field \"credentials.") }) {
            problems.append("\(path): \(error.description)")
        }
        if let expiry = account.settings.expiresAt, now >= expiry {
            problems.append("\(path): field \"server.expires_at\": this server expired at \(Timestamp.format(expiry)) and will not start")
        }
        if account.settings.requireAPITokenAuth, let expected = account.settings.apiTokenSHA256 {
            if let token = environment[apiTokenVariable], !token.isEmpty {
                if !constantTimeEqual(SHA256.hexDigest(Array(token.utf8)), expected) {
                    problems.append("\(path): field \"server.api_token_sha256\": the SHA-256 of \(apiTokenVariable) does not match; refusing to start")
                }
            } else {
                problems.append("\(path): field \"server.require_api_token_auth\" is true but \(apiTokenVariable) is not set; refusing to start")
            }
        }
        if collectAll {
            // Examples are checked only here: they are documentation, and checking them costs start-up time.
            problems += DefinitionLoader.exampleProblems(in: loaded).map { "\(loaded.source): \($0)" }
        }
        if !problems.isEmpty && !collectAll { throw Failure(problems) }
        let catalog: ToolCatalog
        do {
            catalog = try ToolCatalog(tools: loaded.tools, settings: account.settings, source: path)
        } catch {
            throw Failure(problems + error.problems)
        }
        if !problems.isEmpty { throw Failure(problems) }
        var configuration = ServerConfiguration(definition: definition, account: account, catalog: catalog, auth: auth)
        configuration.importReport = loaded.importReport
        return configuration
    }

    /// `--sandbox NAME`: starts the built-in stand-in of a bundled integration's API and
    /// assembles a server for it, with the sandbox's made-up credentials and no filters.
    /// The stand-in listens until the process exits.
    package static func prepareSandbox(_ name: String) throws(Failure) -> (configuration: ServerConfiguration, sandbox: RunningSandbox) {
        let loaded: DefinitionLoader.Loaded
        do {
            loaded = try DefinitionLoader.load(name)
        } catch {
            throw Failure(error.description.split(separator: "\n").map(String.init))
        }
        let sandbox: RunningSandbox
        do {
            sandbox = try Sandbox.start(name)
        } catch {
            throw Failure([error.description])
        }
        let account = sandbox.account
        do {
            let catalog = try ToolCatalog(tools: loaded.tools, settings: account.settings, source: account.source)
            return (ServerConfiguration(definition: loaded.definition, account: account, catalog: catalog, isSandbox: true), sandbox)
        } catch {
            sandbox.stop()
            throw Failure([error.description])
        }
    }

    /// `--sandbox SPEC`: imports an OpenAPI document and serves it against a stand-in built
    /// from the same document (its examples and schemas), with made-up credentials.
    package static func prepareSpecSandbox(_ path: String) throws(Failure) -> (configuration: ServerConfiguration, sandbox: RunningSandbox) {
        let imported: OpenAPIImport
        let document: OpenAPIDocument
        do {
            document = try OpenAPIDocument(path: path)
            imported = try OpenAPIImporter.importDocument(document)
        } catch {
            throw Failure(error.problems)
        }
        var definition = imported.loaded.definition
        // The stand-in hands out tokens itself: a document's token URL would leave the machine.
        definition.auth = definition.auth.map { scheme in
            guard case .oauth2ClientCredentials(_, let id, let secret, let scope) = scheme else { return scheme }
            return .oauth2ClientCredentials(tokenPath: SpecSandbox.tokenPath, clientID: id, clientSecret: secret, scope: scope)
        }
        var credentials: [String: String] = [:]
        for credential in definition.credentials { credentials[credential.name] = "sandbox-\(credential.name)" }
        let auth = Authenticator.chooseScheme(definition, credentials: credentials)
        let carriers = (try? auth.get()).map(SpecSandbox.carriers(of:)) ?? []
        let sandbox: RunningSandbox
        do {
            sandbox = try Sandbox.start(
                name: definition.name,
                spec: SpecSandbox(operations: SpecSandbox.operations(of: document, carriers: carriers, schemes: definition.authIDs.mapValues { definition.auth[$0] })),
                credentials: credentials)
        } catch {
            throw Failure([error.description])
        }
        var account = sandbox.account
        account.integration = path
        do {
            let catalog = try ToolCatalog(tools: imported.loaded.tools, settings: account.settings, source: account.source)
            var configuration = ServerConfiguration(definition: definition, account: account, catalog: catalog, isSandbox: true, auth: auth)
            configuration.importReport = imported.report
            configuration.sandboxArgument = path
            return (configuration, sandbox)
        } catch {
            sandbox.stop()
            throw Failure([error.description])
        }
    }

    /// Compares two strings in time that depends only on their length.
    package static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<left.count { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
