import Foundation
import Testing

@testable import Conduit

/// What a JSON Schema 2020-12 document may hold, checked as strictly as a client
/// would: only the 2020-12 keywords, each with a value of the right kind, and every
/// `$ref` pointing at a `$defs` entry of the same document.
enum SchemaCheck {
    static let keywords: Set<String> = [
        "$schema", "$id", "$ref", "$defs", "$anchor", "$dynamicRef", "$dynamicAnchor", "$comment",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "prefixItems", "items", "contains",
        "properties", "patternProperties", "additionalProperties", "propertyNames", "unevaluatedItems", "unevaluatedProperties",
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
        "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains", "maxProperties",
        "minProperties", "required", "dependentRequired", "title", "description", "default", "deprecated", "readOnly",
        "writeOnly", "examples", "format", "contentEncoding", "contentMediaType", "contentSchema",
    ]
    static let types: Set<String> = ["string", "number", "integer", "boolean", "array", "object", "null"]

    /// Every problem of `schema`, by JSON path; `root` holds the `$defs` references resolve to.
    static func problems(_ schema: JSONValue, root: JSONObject, at path: String = "") -> [String] {
        switch schema {
        case .bool: return []
        case .object(let object): return problems(object, root: root, at: path)
        default: return ["\(path): a schema must be an object or a boolean, not \(schema.typeName)"]
        }
    }

    private static func problems(_ object: JSONObject, root: JSONObject, at path: String) -> [String] {
        var found: [String] = []
        func schemas(_ value: JSONValue, _ at: String) { found += problems(value, root: root, at: at) }
        for (key, value) in object {
            let here = "\(path)/\(key)"
            guard keywords.contains(key) else {
                found.append("\(here): not a JSON Schema 2020-12 keyword")
                continue
            }
            switch key {
            case "type":
                let names = value.stringValue.map { [$0] } ?? value.arrayValue?.compactMap(\.stringValue) ?? []
                if names.isEmpty || !names.allSatisfy(types.contains) || Set(names).count != names.count {
                    found.append("\(here): \(value.jsonString) is not a type or a list of distinct types")
                }
            case "properties", "patternProperties", "$defs", "dependentSchemas":
                guard case .object(let members) = value else { found.append("\(here): must be an object"); continue }
                for (name, member) in members { schemas(member, "\(here)/\(name)") }
            case "items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
                "unevaluatedItems", "unevaluatedProperties", "contentSchema":
                schemas(value, here)
            case "allOf", "anyOf", "oneOf", "prefixItems":
                guard case .array(let members) = value, !members.isEmpty else { found.append("\(here): must be a non-empty array"); continue }
                for (index, member) in members.enumerated() { schemas(member, "\(here)/\(index)") }
            case "required":
                guard case .array(let names) = value, names.allSatisfy({ $0.stringValue != nil }), Set(names).count == names.count else {
                    found.append("\(here): must be an array of distinct strings")
                    continue
                }
            case "enum", "examples":
                if value.arrayValue == nil { found.append("\(here): must be an array") }
            case "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum":
                if value.doubleValue == nil { found.append("\(here): must be a number, not \(value.jsonString)") }
            case "maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains", "maxProperties", "minProperties":
                if (value.intValue ?? -1) < 0 { found.append("\(here): must be a non-negative integer") }
            case "uniqueItems", "deprecated", "readOnly", "writeOnly":
                if value.boolValue == nil { found.append("\(here): must be a boolean") }
            case "title", "description", "format", "pattern", "$comment", "contentEncoding", "contentMediaType", "$id", "$anchor":
                if value.stringValue == nil { found.append("\(here): must be a string") }
            case "$ref":
                guard let reference = value.stringValue, reference.hasPrefix("#/$defs/"),
                    root["$defs"]?[String(reference.dropFirst("#/$defs/".count))] != nil
                else {
                    found.append("\(here): \(value.jsonString) is a dangling reference")
                    continue
                }
            default:
                break
            }
        }
        return found
    }
}

/// The shared corpus of real documents (../shared/openapi-corpus, beside the package):
/// every document imports, its tools render, every input schema is 2020-12 with no
/// dangling reference, names fit and never collide, and the context budget holds.
/// Skipped when the corpus is absent (a user's clone).
@Suite(.serialized) struct OpenAPICorpusTests {
    static let documents = [
        "asana/asana_oas.yaml", "box/openapi.json", "digitalocean/specification/DigitalOcean-public.v2.yaml", "discord/openapi.json",
        "github/api.github.com.json", "intercom/api.intercom.io.yaml", "redocly-museum/openapi.yaml", "sendgrid/tsg_mc_contacts_v3.json",
        "slack/slack_web_openapi_v2.json", "zoom/openapi.v2.json",
    ]

    @Test(.enabled(if: YAMLReference.corpusIsPresent, "the shared OpenAPI corpus is not beside this checkout"), arguments: documents)
    func everyCorpusDocumentImportsIntoToolsWithinTheRules(document: String) async throws {
        let path = YAMLReference.corpus.appendingPathComponent(document).path
        let (imported, elapsed, loaded) = try await offThePool {
            let started = Date()
            let imported = try OpenAPIImporter.importDocument(at: path, options: OpenAPIImportOptions(includeUndocumented: true))
            let elapsed = Date().timeIntervalSince(started)
            return (imported, elapsed, try DefinitionLoader.decode(imported.definition.jsonBytes, source: path))
        }
        #expect(!loaded.tools.isEmpty)
        #expect(loaded.tools.count == imported.report.kept.count)
        #expect(loaded.undocumented.isEmpty)

        let names = loaded.tools.map(\.name)
        #expect(Set(names).count == names.count, "\(document): tool names collide")
        #expect(names.allSatisfy { $0.utf8.count <= 64 }, "\(document): \(names.filter { $0.utf8.count > 64 })")
        #expect(Set(imported.report.kept.map(\.tool)) == Set(names), "the report names the tools that were built")

        var sizes: [Int] = []
        var problems: [String] = []
        for tool in loaded.tools {
            let rendered = ToolRendering.render(tool, revision: .v2026_07_28)
            sizes.append(rendered.jsonBytes.count)
            guard case .object(let schema)? = rendered["inputSchema"] else {
                problems.append("\(tool.name): no inputSchema")
                continue
            }
            if schema["type"] != "object" { problems.append("\(tool.name): the inputSchema is not an object schema") }
            problems += SchemaCheck.problems(.object(schema), root: schema).map { "\(tool.name): inputSchema\($0)" }
            if case .object(let output)? = rendered["outputSchema"] {
                problems += SchemaCheck.problems(.object(output), root: output).map { "\(tool.name): outputSchema\($0)" }
            }
        }
        #expect(problems.isEmpty, "\(document): \(problems.count) schema problems, e.g. \(problems.prefix(5))")
        sizes.sort()
        let median = sizes[sizes.count / 2]
        #expect(median <= 4096, "\(document): median tool \(median) bytes")
        #expect(sizes.last! <= 48 * 1024, "\(document): largest tool \(sizes.last!) bytes")
        print("corpus \(document): \(loaded.tools.count) tools (\(imported.report.gatedOut.count) gated, \(imported.report.includedUndocumented.count) undocumented kept), median \(median) B, max \(sizes.last!) B, \(String(format: "%.2f", elapsed)) s")
    }

    @Test(.enabled(if: YAMLReference.corpusIsPresent, "the shared OpenAPI corpus is not beside this checkout"))
    func theGateLeavesOutDiscordsUndocumentedOperations() async throws {
        let path = YAMLReference.corpus.appendingPathComponent("discord/openapi.json").path
        let imported = try await offThePool { try OpenAPIImporter.importDocument(at: path) }
        #expect(imported.report.gatedOut.count == 225 && imported.report.kept.count == 17)
    }

    @Test(.enabled(if: YAMLReference.corpusIsPresent, "the shared OpenAPI corpus is not beside this checkout"))
    func digitalOceansSplitTreeIsReadFileByFile() async throws {
        let path = YAMLReference.corpus.appendingPathComponent("digitalocean/specification/DigitalOcean-public.v2.yaml").path
        let (operationCount, fileCount, imported) = try await offThePool {
            let document = try OpenAPIDocument(path: path)
            let operations = document.operations().count
            return (operations, document.fileCount, try OpenAPIImporter.importDocument(document))
        }
        #expect(operationCount == 659)
        #expect(fileCount > 600, "every operation is a $ref into its own file")
        #expect(imported.report.kept.count == 659)
        // Two bearer schemes: the second one's token takes its scheme key as a prefix.
        #expect(imported.report.credentials == [
            "bearer_auth (http bearer): access_token", "inference_bearer_auth (http bearer): inference_bearer_auth_access_token",
        ])
        #expect(imported.report.paging["page", default: 0] > 50)
    }

    @Test(.enabled(if: YAMLReference.corpusIsPresent, "the shared OpenAPI corpus is not beside this checkout"))
    func githubPagesByLinkHeaderAndRecommendsDiscovery() async throws {
        let path = YAMLReference.corpus.appendingPathComponent("github/api.github.com.json").path
        let (imported, loaded) = try await offThePool { try OpenAPIFixtures.load(path: path) }
        #expect(imported.report.paging["link", default: 0] > 100)
        #expect(imported.report.recommendation?.contains("\"tool_exposure\": \"discovery\"") == true)
        #expect(imported.report.recommendation?.contains("\"repos\"") == true)
        let issues = try loaded.tool("list_all_github_repos_issues")
        #expect(issues.method.pagination?.style == .link && issues.method.operationID == "issues/list-for-repo")
        #expect(loaded.definition.auth.map(\.typeName) == ["bearer", "none"])
    }
}
