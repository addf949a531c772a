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
        return try decode(Array(data), source: path)
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
}
