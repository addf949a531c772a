import Foundation
import Testing

@testable import Conduit

/// The definitions compiled into the binary are the JSON files beside them.
@Suite struct BundledIntegrationsTests {
    @Test(arguments: ["chorus", "gong", "coviu"])
    func theEmbeddedDefinitionMatchesItsFile(integration: String) throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/Conduit/Integrations")
        let file = try String(contentsOf: folder.appendingPathComponent("\(integration).json"), encoding: .utf8)
        let embedded = try #require(BundledIntegrations.source(named: integration))
        // The generator embeds the file without its final newline.
        #expect(embedded == file || embedded + "\n" == file, "\(integration).json changed: run Scripts/embed-integrations")
    }
}
