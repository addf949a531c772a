import Foundation
import Testing

@testable import Conduit

#if canImport(Glibc)
import Glibc
#endif

/// The private folder for downloads and oversized results.
@Suite struct FileStoreTests {
    private func store(retentionHours: Int = 24, inlineLimit: Int = 64 << 10) -> FileStore {
        var settings = FileSettings()
        settings.directory = NSTemporaryDirectory() + "conduit-test-store-\(UUID().uuidString)"
        settings.retentionHours = retentionHours
        settings.inlineLimitBytes = inlineLimit
        return FileStore(settings: settings)
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        _ = lstat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func folderIsPrivateFilesArePrivateAndNamesAreUnguessable() throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let first = try store.create(hint: "call recording.webm", contentType: "audio/webm")
        let second = try store.create(hint: nil, contentType: "audio/webm")
        let bytes: [UInt8] = Array("hello".utf8)
        #expect(bytes.withUnsafeBytes { first.write($0) })
        let done = first.finish()
        second.discard()
        #expect(mode(store.directory) == 0o700)
        #expect(mode(done.path) == 0o600)
        #expect(done.size == 5 && done.sha256 == SHA256.hexDigest(bytes))
        #expect(done.path.hasSuffix("-callrecording.webm"))
        #expect(!FileManager.default.fileExists(atPath: second.path))
        // 32 hex digits of randomness in every name.
        let name = URL(fileURLWithPath: done.path).lastPathComponent
        #expect(name.dropFirst("conduit-".count).prefix(32).allSatisfy { $0.isHexDigit })
    }

    @Test func anOpenFolderIsMadePrivate() throws {
        let store = store()
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        mkdir(store.directory, 0o755)
        chmod(store.directory, 0o755)
        try store.prepare()
        #expect(mode(store.directory) == 0o700)
    }

    @Test func sweepRemovesOnlyOldConduitFiles() throws {
        let store = store(retentionHours: 1)
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let old = try store.create(hint: nil, contentType: "video/webm").finish()
        let fresh = try store.create(hint: nil, contentType: "video/webm").finish()
        let foreign = store.directory + "/notes.txt"
        FileManager.default.createFile(atPath: foreign, contents: Data("mine".utf8))
        var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
        utimensat(AT_FDCWD, old.path, &times, 0)
        utimensat(AT_FDCWD, foreign, &times, 0)
        #expect(store.sweep() == 1)
        #expect(!FileManager.default.fileExists(atPath: old.path))
        #expect(FileManager.default.fileExists(atPath: fresh.path) && FileManager.default.fileExists(atPath: foreign))
    }

    @Test func anOversizedResultIsSavedWholeAndShownAsAnOutline() throws {
        let store = store(inlineLimit: 2048)
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let items: [JSONValue] = (0..<200).map { ["id": .int(Int64($0)), "name": .string(String(repeating: "x", count: 40))] }
        let full = ToolCallResult(structured: ["items": .array(items), "requestId": "r1"])
        let fitted = OversizedResult.fit(full, store: store, title: "Acme")
        let path = try #require(fitted.structured["file"]?["path"]?.stringValue)
        let saved = try JSONValue.parse(Array(FileManager.default.contents(atPath: path) ?? Data()))
        #expect(saved == .object(full.structured))
        #expect(fitted.structured["outline"]?["items"]?["count"] == 200)
        #expect(fitted.link?.uri.hasPrefix("file://") == true)
        #expect(fitted.textBytes.count < 2048 + 400)

        let small = ToolCallResult(structured: ["items": .array(Array(items.prefix(2)))])
        #expect(OversizedResult.fit(small, store: store, title: "Acme").structured == small.structured)
    }

    @Test func anOversizedObjectBecomesAnOutline() throws {
        let store = store(inlineLimit: 1024)
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let calls: [JSONValue] = (0..<100).map { ["id": .string("c\($0)"), "transcript": .string(String(repeating: "word ", count: 100))] }
        let fitted = OversizedResult.fit(ToolCallResult(structured: ["calls": .array(calls), "requestId": "r1"]), store: store, title: "Gong")
        #expect(fitted.structured["truncated"] == true)
        #expect(fitted.structured["outline"]?["calls"]?["count"] == 100)
        #expect(fitted.structured["outline"]?["requestId"] == "r1")
        #expect(fitted.text.contains("above the inline limit"))
    }
}
