#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Finds and loads the definition an account names: a bundled integration by name,
/// or a definition file by path.
package enum DefinitionLoader {
    /// The decoded definition and its tools, or every problem found.
    package struct Loaded: Sendable {
        package var definition: IntegrationDefinition
        package var tools: [Tool]
        /// `resource.method` entries left out for lack of documentation.
        package var undocumented: [String]
        package var source: String
        /// What importing did, when the file was an OpenAPI document imported in memory.
        package var importReport: OpenAPIImportReport? = nil
    }

    package static func load(_ reference: String, relativeTo accountPath: String? = nil) throws(DefinitionError) -> Loaded {
        if let text = BundledIntegrations.source(named: reference) {
            return try decode(Array(text.utf8), source: "bundled integration \(reference)")
        }
        var path = reference
        if !path.hasPrefix("/"), let accountPath {
            // A relative definition path is read relative to the account file.
            let candidate = Account.resolve(path, relativeTo: accountPath)
            if FileManager.default.fileExists(atPath: candidate) { path = candidate }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            let bundled = BundledIntegrations.names.joined(separator: ", ")
            let problem = DefinitionProblem(
                path: "", message: "no bundled integration has this name (bundled: \(bundled)) and no definition file exists at this path")
            throw DefinitionError(source: reference, problems: [problem])
        }
        let bytes = Array(data)
        // An OpenAPI document (YAML, or JSON with an openapi/swagger field) is imported in memory.
        let lower = path.lowercased()
        let parsed: JSONValue? = lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") ? nil : try? JSONValue.parse(bytes)
        if OpenAPIDocument.isDocument(path: path, parsed: parsed) {
            // `dir/./api.yaml` (a relative integration) reads better as `dir/api.yaml` in messages.
            let clean = path.contains("/./") || path.contains("/../") ? URL(fileURLWithPath: path).standardizedFileURL.path : path
            return try importDocument(clean, parsed: parsed)
        }
        return try decode(bytes, source: path)
    }

    /// Imports an OpenAPI document and builds its tools; import failures are problems of the file.
    private static func importDocument(_ path: String, parsed: JSONValue?) throws(DefinitionError) -> Loaded {
        let imported: OpenAPIImport
        do throws(OpenAPIImportError) {
            if let parsed {
                imported = try OpenAPIImporter.importDocument(at: path, content: parsed)
            } else {
                imported = try OpenAPIImporter.importDocument(at: path)
            }
        } catch {
            let problems = error.problems.map { problem in
                DefinitionProblem(path: "", message: problem.hasPrefix(path + ": ") ? String(problem.dropFirst(path.count + 2)) : problem)
            }
            throw DefinitionError(source: path, problems: problems)
        }
        var loaded = imported.loaded
        loaded.importReport = imported.report
        return loaded
    }

    /// Every example argument set that its tool would refuse, located by JSON path
    /// (`resources.calls.methods.get.examples[0].arguments: …`).
    package static func exampleProblems(in loaded: Loaded) -> [DefinitionProblem] {
        var problems: [DefinitionProblem] = []
        for tool in loaded.tools {
            for (index, example) in tool.method.examples.enumerated() {
                let path = "resources.\(tool.resource.name).methods.\(tool.method.name).examples[\(index)].arguments"
                for problem in ArgumentValidator.problems(in: example.arguments, schema: tool.inputSchema) {
                    problems.append(DefinitionProblem(path: path, message: problem))
                }
            }
        }
        return problems
    }

    package static func decode(_ bytes: [UInt8], source: String) throws(DefinitionError) -> Loaded {
        let definition = try DefinitionDecoder.decode(bytes: bytes, source: source)
        let builder = try CatalogBuilder(definition: definition, source: source)
        return Loaded(definition: definition, tools: builder.tools, undocumented: builder.undocumented, source: source)
    }

    /// Decodes a definition document already parsed (one an import just built).
    package static func decode(_ document: JSONValue, source: String) throws(DefinitionError) -> Loaded {
        let definition = try DefinitionDecoder.decode(document, source: source)
        let builder = try CatalogBuilder(definition: definition, source: source)
        return Loaded(definition: definition, tools: builder.tools, undocumented: builder.undocumented, source: source)
    }
}
