#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files conduit itself wrote (downloads, oversized results), served as MCP
/// resources so that a client can follow a `resource_link`: `resources/list` names
/// them and `resources/read` returns one inline.
///
/// Only a regular file directly inside conduit's own download folder is served; a URI
/// naming anything else — another folder, a path through `..`, a symbolic link, a file
/// that does not exist — gets one and the same answer, so nothing about it is revealed.
package struct OwnFiles: Sendable {
    /// The download folder, spelled as conduit writes its paths.
    package let directory: String
    /// Larger files are refused with their local path instead of being inlined.
    package let inlineLimit: Int

    package static let defaultInlineLimit = 8 << 20

    package init(directory: String, inlineLimit: Int = OwnFiles.defaultInlineLimit) {
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.inlineLimit = inlineLimit
    }

    package enum Refusal: Error, Equatable {
        /// Not one of conduit's files (or gone).
        case unknown
        case tooLarge(path: String, size: Int64)
    }

    /// One file: its resource entry.
    package struct Entry: Sendable {
        package var path: String
        package var size: Int64
        package var uri: String { URL(fileURLWithPath: path).absoluteString }
        package var name: String { FilePath.lastComponent(of: path) }
        package var mimeType: String { FilePath.mediaType(of: name) }

        package var resource: JSONValue {
            ["uri": .string(uri), "name": .string(name), "mimeType": .string(mimeType), "size": .int(size)]
        }
    }

    /// The files in the folder now, oldest name first (names start with a timestamp).
    package func list() -> [Entry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.sorted().compactMap { name in
            let path = directory + "/" + name
            var info = stat()
            guard !name.hasPrefix("."), lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
            return Entry(path: path, size: Int64(info.st_size))
        }
    }

    /// The path a `file://` URI names, if it names a file directly inside the folder.
    func path(of uri: String) -> String? {
        guard let url = URL(string: uri), url.scheme?.lowercased() == "file", url.host.map({ $0.isEmpty || $0 == "localhost" }) ?? true else {
            return nil
        }
        let path = url.path
        let name = FilePath.lastComponent(of: path)
        guard FilePath.directory(of: path) == directory, !name.isEmpty, name != ".", name != "..", !name.hasPrefix(".") else { return nil }
        return path
    }

    /// The file's bytes and its entry, read without following a symbolic link.
    package func read(_ uri: String) -> Result<(entry: Entry, bytes: [UInt8]), Refusal> {
        guard let path = path(of: uri) else { return .failure(.unknown) }
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(.unknown) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return .failure(.unknown) }
        let size = Int64(info.st_size)
        guard size <= inlineLimit else { return .failure(.tooLarge(path: path, size: size)) }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { readBytes(descriptor, $0.baseAddress! + done, $0.count - done) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return .failure(.unknown) }
            done += count
        }
        return .success((Entry(path: path, size: size), bytes))
    }
}

private func readBytes(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #else
    Darwin.read(descriptor, buffer, count)
    #endif
}
