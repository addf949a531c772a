import Foundation
import Testing

@testable import Conduit

/// Request bodies read the way libcurl reads them: in chunks of its choosing, and again
/// from the start after a seek.
@Suite struct RequestBodyTests {
    private func temporaryFile(_ bytes: [UInt8]) throws -> String {
        let path = NSTemporaryDirectory() + "conduit-body-\(UUID().uuidString).bin"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Everything the reader gives from where it stands, `chunk` bytes at a time.
    private func drain(_ reader: BodyReader, chunk: Int) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: chunk)
        while true {
            guard let count = buffer.withUnsafeMutableBytes({ reader.read(into: $0) }) else { return nil }
            if count == 0 { return out }
            out += buffer[0..<count]
        }
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func piecesAreReadInOrderWhateverTheChunkSize(chunk: Int) throws {
        let fileBytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let path = try temporaryFile(fileBytes)
        defer { unlink(path) }
        let body = RequestBody.parts([.bytes(Array("head|".utf8)), .file(path: path, offset: 100, length: 5000), .parts([.bytes([]), .bytes(Array("|tail".utf8))])])
        let wanted = Array("head|".utf8) + fileBytes[100..<5100] + Array("|tail".utf8)
        let reader = BodyReader(body)
        #expect(reader.count == Int64(wanted.count) && body.count == reader.count)
        #expect(drain(reader, chunk: chunk) == wanted)
        // A rewind (what libcurl's seek callback asks for) reads it all again.
        #expect(reader.seek(to: 0))
        #expect(drain(reader, chunk: chunk) == wanted)
        #expect(reader.seek(to: 3000))
        #expect(drain(reader, chunk: chunk) == Array(wanted[3000...]))
        #expect(!reader.seek(to: Int64(wanted.count) + 1))
    }

    @Test func aFileThatShrankIsALocalFileFailure() throws {
        let path = try temporaryFile([1, 2, 3])
        defer { unlink(path) }
        let reader = BodyReader(.file(path: path, offset: 0, length: 10))
        #expect(drain(reader, chunk: 64) == nil)
        #expect(reader.failure?.code == .localFile)
    }

    @Test func aWholeFileIsSizedWhenNamed() throws {
        let path = try temporaryFile([UInt8](repeating: 5, count: 1234))
        defer { unlink(path) }
        #expect(try RequestBody.file(at: path) == .file(path: path, offset: 0, length: 1234))
        #expect(throws: TransportError.self) { try RequestBody.file(at: NSTemporaryDirectory()) }
    }

    @Test func aRequestBuiltFromBytesStillReadsAsBytes() {
        var request = UpstreamRequest(method: "POST", url: URL(string: "https://api.example.com/x")!, headers: [], body: Array("a=1".utf8))
        #expect(request.body == Array("a=1".utf8) && request.content == .bytes(Array("a=1".utf8)))
        request.content = .file(path: "/tmp/x", offset: 0, length: 1)
        #expect(request.body == nil)
    }
}
