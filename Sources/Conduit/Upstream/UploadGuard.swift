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

/// A local file a tool call uploads, checked and ready to stream.
package struct UploadFile: Sendable, Equatable {
    /// The file's real path (no `..`, no symbolic link).
    package var path: String
    package var size: Int64
    /// The name sent with it: the last component of the path the caller gave.
    package var filename: String
    /// Its media type, from the extension.
    package var mediaType: String
}

/// Decides whether a path an agent passes may be uploaded: only a regular, readable file
/// inside one of the account's upload roots (`server.files.upload_roots`; by default
/// conduit's own download folder), judged after `..` and symbolic links are resolved.
///
/// A path outside every root gets the same answer whether or not it exists, so a refusal
/// reveals nothing about the rest of the disk. Nothing is sent for a refused file.
package struct UploadGuard: Sendable {
    /// The roots as configured (absolute).
    package let roots: [String]
    /// Where a relative path starts (the process's working directory).
    package let workingDirectory: String

    package init(roots: [String], workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.roots = roots
        self.workingDirectory = workingDirectory
    }

    /// The file `argument` names, or why it may not be sent (a sentence naming the argument).
    package func check(_ given: String, argument: String) -> Result<UploadFile, ToolCallError> {
        func refuse(_ why: String) -> Result<UploadFile, ToolCallError> {
            .failure(.invalidArguments(["argument \"\(argument)\": \(why)"]))
        }
        guard !given.isEmpty, !given.contains("\0") else { return refuse("give the local path of a file to upload") }
        let absolute = given.hasPrefix("/") ? given : FilePath.join(workingDirectory, given)
        let lexical = Self.normalized(absolute)
        let realRoots = roots.compactMap(Self.realPath)
        let outside = "\(given) is not inside an upload root (\(roots.joined(separator: ", "))); only files there can be sent. Set server.files.upload_roots in the account file to allow another folder"
        // Judged on the path as written first, so nothing is learnt about paths elsewhere.
        guard realRoots.contains(where: { Self.isInside(lexical, $0) }) || roots.contains(where: { Self.isInside(lexical, Self.normalized($0)) }) else {
            return refuse(outside)
        }
        guard let real = Self.realPath(absolute) else { return refuse("\(given) does not exist or cannot be read") }
        // ... and again once symbolic links and `..` are resolved.
        guard realRoots.contains(where: { Self.isInside(real, $0) }) else { return refuse(outside) }
        // Opened without blocking (a FIFO would wait for a writer) to see what it is.
        let descriptor = open(real, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return refuse("\(given) cannot be read (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return refuse("\(given) cannot be read") }
        guard info.st_mode & S_IFMT == S_IFREG else {
            let kind = info.st_mode & S_IFMT == S_IFDIR ? "a folder" : "not a regular file (a device, FIFO or socket)"
            return refuse("\(given) is \(kind); give the path of a file")
        }
        let name = FilePath.lastComponent(of: given)
        return .success(UploadFile(path: real, size: Int64(info.st_size), filename: name, mediaType: FilePath.mediaType(of: name)))
    }

    /// `path` with `.` and `..` segments and doubled slashes removed, textually.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func isInside(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
