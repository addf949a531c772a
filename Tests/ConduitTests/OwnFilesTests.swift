import Foundation
import Testing

@testable import Conduit

/// resources/read serves conduit's own files and nothing else, and says nothing about
/// anything else.
@Suite struct OwnFilesTests {
    private func folder() throws -> String {
        let path = NSTemporaryDirectory() + "conduit-ownfiles-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func uri(_ path: String) -> String { URL(fileURLWithPath: path).absoluteString }

    @Test func aFileInTheFolderIsListedAndReadWhole() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = (0..<5000).map { UInt8($0 % 251) }
        let path = directory + "/20261204-call recording.mp4"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let files = OwnFiles(directory: directory)
        #expect(files.list().map(\.path) == [path])
        #expect(files.list().first?.mimeType == "video/mp4")
        guard case .success(let read) = files.read(uri(path)) else {
            Issue.record("the file was not served")
            return
        }
        #expect(read.bytes == bytes)
        #expect(read.entry.size == 5000)
    }

    @Test func everythingElseIsRefusedAlike() throws {
        let directory = try folder()
        let outside = try folder()
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: outside)
        }
        let secret = outside + "/secret.txt"
        try Data("private".utf8).write(to: URL(fileURLWithPath: secret))
        try FileManager.default.createSymbolicLink(atPath: directory + "/link.txt", withDestinationPath: secret)
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/sub/nested.txt"))
        let files = OwnFiles(directory: directory)
        for refused in [
            uri(secret), uri(directory + "/link.txt"), "file://" + directory + "/../" + FilePath.lastComponent(of: outside) + "/secret.txt",
            uri(directory + "/missing.bin"), uri(directory + "/sub/nested.txt"), uri(directory + "/sub"), "https://example.com/x",
            "file:///etc/passwd", "not a uri",
        ] {
            guard case .failure(.unknown) = files.read(refused) else {
                Issue.record("\(refused) was not refused as unknown")
                continue
            }
        }
        #expect(!files.list().contains { $0.path.hasSuffix("link.txt") || $0.path.hasSuffix("sub") })
    }

    @Test func aLargeFileIsRefusedWithItsLocalPath() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/big.bin"
        try Data(count: 2048).write(to: URL(fileURLWithPath: path))
        let files = OwnFiles(directory: directory, inlineLimit: 1024)
        guard case .failure(.tooLarge(let named, let size)) = files.read(uri(path)) else {
            Issue.record("a file over the limit was not refused as too large")
            return
        }
        #expect(named == path && size == 2048)
    }
}
