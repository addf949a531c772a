import Foundation
import Testing

@testable import Conduit

/// Golden files of the full `tools/list` answer per bundled integration, so any change
/// to what agents see (names, descriptions, schemas, annotations, tags) shows up as a
/// reviewable diff of `Tests/ConduitTests/Fixtures/golden/<name>.tools.json`.
///
/// Regenerate with `Scripts/update-golden` (it runs this suite with
/// `CONDUIT_UPDATE_GOLDEN=1`, which writes the files instead of comparing them).
@Suite struct GoldenCatalogTests {
    static let revision = ProtocolRevision.v2026_07_28
    static let updateCommand = "Scripts/update-golden"
    static let suffix = ".tools.json"

    static var goldenDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures", isDirectory: true)
            .appendingPathComponent("golden", isDirectory: true)
    }

    static var updating: Bool {
        ProcessInfo.processInfo.environment["CONDUIT_UPDATE_GOLDEN"] == "1"
    }

    static func goldenFile(_ integration: String) -> URL {
        goldenDirectory.appendingPathComponent(integration + suffix)
    }

    /// The integrations that have a golden file on disk.
    static func integrationsWithGoldenFiles() throws -> [String] {
        guard FileManager.default.fileExists(atPath: goldenDirectory.path) else { return [] }
        let names = try FileManager.default.contentsOfDirectory(atPath: goldenDirectory.path)
        return names.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
    }

    /// What a client sees for `tools/list` at the newest revision with no filters:
    /// `{"tools": [...]}` as sent on the wire, pretty-printed, with a final newline.
    static func renderedToolsList(_ integration: String) async throws -> [UInt8] {
        let loaded = try DefinitionLoader.load(integration)
        let settings = ServerSettings()
        let account = Account(integration: integration, settings: settings, source: "golden \(integration)")
        let catalog = try ToolCatalog(tools: loaded.tools, settings: settings, source: account.source)
        let harness = ServerHarness(configuration: ServerConfiguration(definition: loaded.definition, account: account, catalog: catalog))
        harness.send(modernRequest(1, "tools/list", version: revision.rawValue))
        let response = try #require(await harness.response(1), "no tools/list response for \(integration)")
        let result = try #require(response["result"], "tools/list failed for \(integration): \(response.jsonString)")
        let tools = try #require(result["tools"], "tools/list result for \(integration) has no tools")
        // Round-trip through the compact wire bytes, so the file holds exactly what a client parses.
        let wire = try JSONValue.parse(JSONValue.object(["tools": tools]).jsonBytes)
        var writer = JSONWriter(pretty: true, reserving: 1 << 16)
        writer.write(wire)
        writer.bytes.append(0x0A)
        return writer.bytes
    }

    /// Where two renderings first part: the tool (when the golden file still parses) and the line.
    static func firstDifference(expected: [UInt8], actual: [UInt8]) -> String {
        var report: [String] = []
        if let golden = (try? JSONValue.parse(expected))?["tools"]?.arrayValue,
            let current = (try? JSONValue.parse(actual))?["tools"]?.arrayValue
        {
            let name = { (tool: JSONValue) in tool["name"]?.stringValue ?? "(unnamed)" }
            if let index = zip(golden, current).enumerated().first(where: { $0.element.0.jsonBytes != $0.element.1.jsonBytes })?.offset {
                let (old, new) = (golden[index], current[index])
                report.append(
                    name(old) == name(new)
                        ? "first differing tool: \(name(new)) (tool #\(index + 1))"
                        : "first differing tool: #\(index + 1) is \(name(new)), golden has \(name(old))")
            } else if current.count > golden.count {
                report.append("first differing tool: \(name(current[golden.count])) (new, tool #\(golden.count + 1))")
            } else if golden.count > current.count {
                report.append("first differing tool: \(name(golden[current.count])) (gone, tool #\(current.count + 1))")
            }
            if golden.count != current.count { report.append("tool count: golden \(golden.count), now \(current.count)") }
        } else {
            report.append("the golden file is not a {\"tools\": [...]} JSON document")
        }
        let old = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let new = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(old, new).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset ?? min(old.count, new.count)
        report.append("first differing line \(line + 1):")
        report.append("  golden: \(line < old.count ? String(old[line]) : "(end of file)")")
        report.append("  now:    \(line < new.count ? String(new[line]) : "(end of file)")")
        return report.joined(separator: "\n")
    }

    @Test(arguments: BundledIntegrations.names)
    func toolsListMatchesTheGoldenFile(integration: String) async throws {
        let actual = try await Self.renderedToolsList(integration)
        let file = Self.goldenFile(integration)
        if Self.updating {
            try FileManager.default.createDirectory(at: Self.goldenDirectory, withIntermediateDirectories: true)
            try Data(actual).write(to: file, options: .atomic)
            return
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            Issue.record("\(integration): no golden file at Tests/ConduitTests/Fixtures/golden/\(file.lastPathComponent); run \(Self.updateCommand)")
            return
        }
        let expected = Array(data)
        if expected != actual {
            Issue.record("""
                \(integration): tools/list differs from Tests/ConduitTests/Fixtures/golden/\(file.lastPathComponent)
                \(Self.firstDifference(expected: expected, actual: actual))
                If the change is intended, run \(Self.updateCommand) and commit the diff.
                """)
        }
    }

    /// A golden file per bundled integration, and none for anything else.
    @Test func theGoldenFilesAreExactlyTheBundledIntegrations() throws {
        let bundled = Set(BundledIntegrations.names)
        if Self.updating {
            // Regeneration also removes the golden files of integrations no longer bundled.
            for stale in try Self.integrationsWithGoldenFiles() where !bundled.contains(stale) {
                try FileManager.default.removeItem(at: Self.goldenFile(stale))
            }
            return
        }
        let golden = Set(try Self.integrationsWithGoldenFiles())
        let orphaned = golden.subtracting(bundled).sorted()
        let missing = bundled.subtracting(golden).sorted()
        #expect(orphaned.isEmpty, "golden files for integrations that are not bundled: \(orphaned.joined(separator: ", ")); run \(Self.updateCommand)")
        #expect(missing.isEmpty, "bundled integrations without a golden file: \(missing.joined(separator: ", ")); run \(Self.updateCommand)")
    }
}

/// The compact tools/list loses nothing: every rendered input schema, with its `$ref`s
/// put back, is the schema conduit validates arguments against.
@Suite struct SchemaSharingTests {
    private func expand(_ value: JSONValue, definitions: JSONObject) -> JSONValue {
        switch value {
        case .object(let object):
            if case .string(let reference)? = object["$ref"], object.count == 1, reference.hasPrefix("#/$defs/") {
                return expand(definitions[String(reference.dropFirst("#/$defs/".count))] ?? .null, definitions: definitions)
            }
            var out = JSONObject()
            for (key, member) in object where key != "$defs" { out[key] = expand(member, definitions: definitions) }
            return .object(out)
        case .array(let items):
            return .array(items.map { expand($0, definitions: definitions) })
        default:
            return value
        }
    }

    @Test(arguments: BundledIntegrations.names)
    func sharedSchemasExpandToTheFullOnes(integration: String) throws {
        let loaded = try DefinitionLoader.load(integration)
        var shared = 0
        for tool in loaded.tools {
            let rendered = try #require(ToolRendering.render(tool, revision: .v2026_07_28)["inputSchema"]?.objectValue)
            let definitions = rendered["$defs"]?.objectValue ?? [:]
            if !definitions.isEmpty { shared += 1 }
            #expect(expand(.object(rendered), definitions: definitions) == .object(tool.inputSchema), "\(tool.name)")
        }
        if integration == "gong" { #expect(shared > 0, "Gong's repeated sub-schemas should be shared") }
    }

    /// A repeated sub-schema of at least `minimumSize` bytes is written once, however
    /// terse its descriptions became; a smaller one stays inline, where a reference
    /// would save too little.
    @Test func aRepeatedSubSchemaIsSharedFromTheMinimumSizeOn() throws {
        let level: JSONValue = [
            "type": "string", "description": "Whose data is visible; managers-team: the teams of teamLeadIds.",
            "enum": ["all", "managers-team", "report-to-them", "own", "none"],
        ]
        let flag: JSONValue = ["type": "boolean", "description": "May delete calls."]
        let size = { (schema: JSONValue) in schema.jsonString.utf8.count }
        #expect(size(level) >= SchemaSharing.minimumSize && size(level) < 200)
        #expect(size(flag) < SchemaSharing.minimumSize)
        let schema: JSONObject = [
            "type": "object",
            "properties": [
                "callsAccess": [
                    "type": "object", "description": "Whose calls are visible.",
                    "properties": ["permissionLevel": level, "deleteCalls": flag],
                ],
                "dealsAccess": [
                    "type": "object", "description": "Whose deals are visible.",
                    "properties": ["permissionLevel": level, "deleteCalls": flag],
                ],
            ],
        ]
        let shared = SchemaSharing.shared(schema)
        let definitions = try #require(shared["$defs"]?.objectValue)
        #expect(definitions.count == 1)
        #expect(definitions["s1"] == level)
        for access in ["callsAccess", "dealsAccess"] {
            let properties = shared["properties"]?[access]?["properties"]
            #expect(properties?["permissionLevel"] == ["$ref": "#/$defs/s1"])
            #expect(properties?["deleteCalls"] == flag)
        }
        #expect(expand(.object(shared), definitions: definitions) == .object(schema))
    }
}
