import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// conduit's private folder for downloaded bodies: created 0700 and owned by this
/// user, files 0600 with unguessable names, old files swept away at start.
package struct FileStore: Sendable {
    package let directory: String
    package let settings: FileSettings

    /// The default folder: one per user under the system temporary directory.
    package static var defaultDirectory: String {
        let base = NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        return "\(base)/conduit-\(getuid())"
    }

    package init(settings: FileSettings) {
        self.settings = settings
        directory = settings.directory ?? Self.defaultDirectory
    }

    /// Creates the folder if needed and checks that only this user can enter it.
    package func prepare() throws(ToolCallError) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            if errno == ENOENT {
                // Missing parents (a configured nested path): create them, the last one private.
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                _ = chmod(directory, 0o700)
            } else {
                throw .transport("cannot create the download folder \(directory): \(String(cString: strerror(errno)))")
            }
        }
        var info = stat()
        guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .transport("the download folder \(directory) is not a folder")
        }
        guard info.st_uid == getuid() else {
            throw .transport("the download folder \(directory) belongs to another user; set files.directory in the account file")
        }
        if info.st_mode & 0o077 != 0 && chmod(directory, 0o700) != 0 {
            throw .transport("cannot make the download folder \(directory) private")
        }
    }

    /// Removes this store's files older than the retention period; returns how many.
    @discardableResult
    package func sweep(now: Date = Date()) -> Int {
        guard settings.retentionHours > 0, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        let cutoff = now.timeIntervalSince1970 - Double(settings.retentionHours) * 3600
        var removed = 0
        for name in names where name.hasPrefix(Self.prefix) {
            var info = stat()
            let path = directory + "/" + name
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == getuid() else { continue }
            if Double(info.st_mtim.tv_sec) < cutoff, unlink(path) == 0 { removed += 1 }
        }
        return removed
    }

    static let prefix = "conduit-"

    /// A new, empty, private file. The name is random (128 bits) plus a readable hint.
    package func create(hint: String?, contentType: String) throws(ToolCallError) -> FileSink {
        try prepare()
        var generator = SystemRandomNumberGenerator()
        let random = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
        let name = Self.prefix + random + Self.suffix(hint: hint, contentType: contentType)
        let path = directory + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw .transport("cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        return FileSink(path: path, descriptor: descriptor)
    }

    /// `-recording.webm` from a filename hint, else an extension from the media type.
    static func suffix(hint: String?, contentType: String) -> String {
        if let hint {
            let safe = String(hint.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) })
            let trimmed = String(safe.drop { $0 == "." }.suffix(80))
            if !trimmed.isEmpty { return "-" + trimmed }
        }
        let known: [String: String] = [
            "audio/webm": "webm", "video/webm": "webm", "audio/mpeg": "mp3", "audio/mp4": "m4a", "video/mp4": "mp4",
            "audio/wav": "wav", "audio/x-wav": "wav", "audio/ogg": "ogg", "image/png": "png", "image/jpeg": "jpg",
            "application/pdf": "pdf", "application/json": "json", "text/plain": "txt", "text/csv": "csv",
        ]
        return known[contentType].map { "." + $0 } ?? ".bin"
    }
}

/// One file being written: bytes appended on a writer queue, hashed when complete,
/// removed unless kept.
/// Sendable so that a resumed download can hand it from one transfer to the next.
package final class FileSink: Sendable {
    package let path: String
    private struct Inner {
        var descriptor: Int32
        var size: Int64 = 0
        /// A write was refused; later appends are refused too.
        var failed = false
    }
    private let inner: Mutex<Inner>
    /// Writing runs here, beside the network transfer, not in its way.
    private let writer = DispatchQueue(label: "conduit.file-writer")

    init(path: String, descriptor: Int32) {
        self.path = path
        inner = Mutex(Inner(descriptor: descriptor))
    }

    /// Queues bytes to be written; returns false once a write has failed.
    package func append(_ data: Data) -> Bool {
        guard !inner.withLock({ $0.failed }) else { return false }
        writer.async { [self] in _ = data.withUnsafeBytes { write($0) } }
        return true
    }

    /// Waits until everything queued is on disk; false if any write failed.
    package func flush() -> Bool {
        writer.sync {}
        return !inner.withLock { $0.failed }
    }

    package var size: Int64 { inner.withLock { $0.size } }

    /// Appends bytes; false when the disk refused them.
    package func write(_ buffer: UnsafeRawBufferPointer) -> Bool {
        inner.withLock { inner in
            guard inner.descriptor >= 0, !inner.failed else { return false }
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(inner.descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    inner.failed = true
                    return false
                }
                offset += written
            }
            inner.size += Int64(buffer.count)
            return true
        }
    }

    /// Empties the file to start over (a server that ignored a resume range).
    package func restart() -> Bool {
        writer.sync {}
        return inner.withLock { inner in
            inner.size = 0
            return ftruncate(inner.descriptor, 0) == 0 && lseek(inner.descriptor, 0, SEEK_SET) == 0
        }
    }

    /// Closes the file and returns its digest; the file stays.
    package func finish() -> DownloadedFile {
        writer.sync {}
        return inner.withLock { inner in
            Self.close(&inner)
            return DownloadedFile(path: path, size: inner.size, sha256: Self.digest(of: path))
        }
    }

    /// Closes and deletes the file (a failed, cancelled or oversized transfer).
    package func discard() {
        writer.sync {}
        inner.withLock { Self.close(&$0) }
        unlink(path)
    }

    /// The file's SHA-256, read back in 1 MiB pieces once it is complete. Hashing after
    /// the transfer (rather than on the way) keeps the network path as fast as the disk,
    /// so the transfer never outruns its writer and memory stays flat.
    static func digest(of path: String) -> String {
        var hasher = SHA256()
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { systemClose(descriptor) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        return hasher.finalize().hexString
    }

    private static func close(_ inner: inout Inner) {
        if inner.descriptor >= 0 {
            systemClose(inner.descriptor)
            inner.descriptor = -1
        }
    }

    deinit { inner.withLock { Self.close(&$0) } }
}

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

private func systemClose(_ descriptor: Int32) {
    close(descriptor)
}

/// A finished download.
package struct DownloadedFile: Sendable, Equatable {
    package var path: String
    package var size: Int64
    package var sha256: String

    package var uri: String { URL(fileURLWithPath: path).absoluteString }

    /// What a result says about the file: where it is and what it holds.
    package func facts(contentType: String) -> JSONObject {
        ["path": .string(path), "uri": .string(uri), "content_type": .string(contentType), "size": .int(size), "sha256": .string(sha256)]
    }

    package func link(contentType: String, description: String) -> ResourceLink {
        ResourceLink(uri: uri, name: URL(fileURLWithPath: path).lastPathComponent, mimeType: contentType, size: size, description: description)
    }
}
