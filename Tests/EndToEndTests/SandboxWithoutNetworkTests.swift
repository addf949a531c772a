import Conduit
import Foundation
import Testing

/// The sandboxes need no network: in a fresh network namespace (no interface up, not
/// even loopback, as some agent sandboxes run tools) a call, paging and a download that
/// redirects to the storage origin all work, and the sockets go with the process.
@Suite(.serialized) struct SandboxWithoutNetworkTests {
    /// `unshare -rn` works here (user and network namespaces allowed).
    private static let namespaces: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return false }
        return (try? runToEnd("/usr/bin/unshare", ["-rn", "true"], environment: [:]))?.status == 0
    }()

    @Test(.enabled(if: namespaces, "needs unshare -rn (user and network namespaces)"))
    func callsAndDownloadsWorkWithNoNetworkAtAll() throws {
        let folder = NSTemporaryDirectory() + "conduit-nonet-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let environment = ["PATH": "/usr/bin:/bin", "TMPDIR": folder]
        let binary = ConduitProcess.binaryPath
        let list = try runToEnd("/usr/bin/unshare", ["-rn", binary, "call", "list_all_chorus_conversations", "--sandbox", "chorus", "--args", #"{"limit": 2}"#], environment: environment)
        #expect(list.status == 0, "\(list.stderr)")
        let page = try JSONValue.parse(list.stdout)
        #expect(page["result"]?.arrayValue?.count == 2)
        #expect(page["next_cursor"]?.stringValue != nil)

        let media = try runToEnd(
            "/usr/bin/unshare",
            ["-rn", binary, "call", "get_single_chorus_media_by_id", "--sandbox", "chorus", "--args", #"{"id": "4BBD34AEA98319C1124B44357BC46C5C", "info": false}"#],
            environment: environment)
        #expect(media.status == 0, "\(media.stdout) \(media.stderr)")
        let saved = try JSONValue.parse(media.stdout)
        #expect(saved["size"]?.intValue ?? 0 > 0)

        // The socket folder went with the process: only the download folder is left.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(!left.contains { $0.hasPrefix("conduit-sandbox-") }, "\(left)")
    }

    @Test func theSandboxListensOnAPrivateSocketNotOnAPort() throws {
        let sandbox = try Sandbox.start("gong")
        defer { sandbox.stop() }
        #expect(sandbox.baseURL == "http://gong.sandbox.invalid")
        let socket = try #require(sandbox.unixSockets.values.first)
        let folder = (socket as NSString).deletingLastPathComponent
        let attributes = try FileManager.default.attributesOfItem(atPath: folder)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        #expect(FileManager.default.fileExists(atPath: socket))
    }
}
