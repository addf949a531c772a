import Foundation
import Testing

@testable import Conduit

/// The definitions compiled into the binary are the JSON files beside them.
@Suite struct BundledIntegrationsTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Conduit/Integrations/Definitions")

    /// Every file in the folder is bundled, and nothing else is: the folder is the one list.
    @Test func theBundledIntegrationsAreTheDefinitionFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
        #expect(files == BundledIntegrations.names, "Definitions/ holds \(files), the binary \(BundledIntegrations.names): run Scripts/embed-integrations")
        #expect(files.count >= 3)
    }

    @Test(arguments: BundledIntegrations.names)
    func theEmbeddedDefinitionMatchesItsFile(integration: String) throws {
        let folder = Self.folder
        let file = try String(contentsOf: folder.appendingPathComponent("\(integration).json"), encoding: .utf8)
        let embedded = try #require(BundledIntegrations.source(named: integration))
        // The generator embeds the file without its final newline.
        #expect(embedded == file || embedded + "\n" == file, "\(integration).json changed: run Scripts/embed-integrations")
    }
}
