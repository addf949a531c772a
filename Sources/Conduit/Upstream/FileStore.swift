import Dispatch
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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
        "\(temporaryBase)/conduit-\(getuid())"
    }

    /// The system's temporary folder (`TMPDIR`), without a trailing slash.
    package static var temporaryBase: String {
        var base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.temporaryDirectory.path
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        return base
    }

    package init(settings: FileSettings) {
        self.settings = settings
        directory = settings.directory ?? Self.defaultDirectory
    }

    /// Creates the folder if needed and checks that only this user can enter it.
    package func prepare() throws(TransportError) {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            if errno == ENOENT {
                // Missing parents (a configured nested path): create them, the last one private.
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                _ = chmod(directory, 0o700)
            } else {
                throw TransportError(.localFile, "cannot create the download folder \(directory): \(String(cString: strerror(errno)))")
            }
        }
        var info = stat()
        guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw TransportError(.localFile, "the download folder \(directory) is not a folder")
        }
        guard info.st_uid == getuid() else {
            throw TransportError(.localFile, "the download folder \(directory) belongs to another user; set files.directory in the account file")
        }
        if info.st_mode & 0o077 != 0 && chmod(directory, 0o700) != 0 {
            throw TransportError(.localFile, "cannot make the download folder \(directory) private")
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
    package func create(hint: String?, contentType: String) throws(TransportError) -> FileSink {
        try prepare()
        var generator = SystemRandomNumberGenerator()
        let random = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
        let name = Self.prefix + random + Self.suffix(hint: hint, contentType: contentType)
        let path = directory + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw TransportError(.localFile, "cannot create a file in \(directory): \(String(cString: strerror(errno)))")
        }
        return FileSink(path: path, descriptor: descriptor)
    }

    /// A new private file holding `bytes` (an oversized result, a record too large to show).
    package func write(_ bytes: [UInt8], contentType: String) throws(TransportError) -> DownloadedFile {
        let sink = try create(hint: nil, contentType: contentType)
        guard bytes.withUnsafeBytes({ sink.write($0) }) else {
            sink.discard()
            throw TransportError(.localFile, "could not write a file in \(directory) (disk full?)")
        }
        return sink.finish()
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

/// One file being written, hashed as it is written, removed unless kept.
///
/// `write` is synchronous: a transfer that writes from its own thread is slowed to the
/// disk's pace (that is its backpressure). Every byte is hashed on the way in — on the
/// writer's thread while the file is small, past `inlineHashLimit` on a hashing thread
/// beside it (`PipelinedDigest`, which slows the writer if it falls behind) — so a
/// finished file's SHA-256 is known without reading it back. `append` queues bytes on a
/// writer queue instead, for callers that must not block.
/// Sendable so that a resumed download can hand it from one transfer to the next.
package final class FileSink: Sendable {
    package let path: String
    private struct Inner {
        var descriptor: Int32
        var size: Int64 = 0
        /// A write was refused; later appends are refused too.
        var failed = false
        /// SHA-256 of the file's bytes so far, in file order (while the file is small).
        var hasher = SHA256()
        /// Past `inlineHashLimit` bytes, hashing continues on a thread of its own, and
        /// `pending` collects the bytes for it.
        var pipeline: PipelinedDigest?
        var pending: [UInt8] = []
        /// False once the file may hold bytes the hasher has not seen (a partial write):
        /// `finish` then reads the file back instead.
        var hashCoversFile = true
    }
    private let inner: Mutex<Inner>
    /// `append` writes here, beside the network transfer, not in its way.
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

    /// Appends bytes and hashes them; false when the disk refused them.
    package func write(_ buffer: UnsafeRawBufferPointer) -> Bool {
        inner.withLock { inner in
            guard inner.descriptor >= 0, !inner.failed else { return false }
            guard let base = buffer.baseAddress, buffer.count > 0 else { return true }
            var offset = 0
            while offset < buffer.count {
                let written = systemWrite(inner.descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    inner.failed = true
                    // Some of these bytes may be in the file, unhashed.
                    inner.size += Int64(offset)
                    if offset > 0 { inner.hashCoversFile = false }
                    return false
                }
                offset += written
            }
            inner.size += Int64(buffer.count)
            Self.hash(buffer, &inner)
            return true
        }
    }

    /// Files up to this size are hashed on the writer's thread; larger ones beside it.
    static let inlineHashLimit: Int64 = 1 << 20

    private static func hash(_ buffer: UnsafeRawBufferPointer, _ inner: inout Inner) {
        if inner.pipeline == nil {
            guard inner.size > inlineHashLimit else {
                inner.hasher.update(buffer)
                return
            }
            let pipeline = PipelinedDigest(continuing: inner.hasher)
            pipeline.takeBuffer(into: &inner.pending)
            inner.pipeline = pipeline
        }
        guard let pipeline = inner.pipeline else { return }
        var offset = 0
        while offset < buffer.count {
            let take = min(PipelinedDigest.bufferSize - inner.pending.count, buffer.count - offset)
            inner.pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + take]))
            offset += take
            if inner.pending.count == PipelinedDigest.bufferSize {
                pipeline.submit(&inner.pending)
                // Waits here while the hasher is `slots` MiB behind.
                pipeline.takeBuffer(into: &inner.pending)
            }
        }
    }

    /// The digest of everything hashed so far; ends a hashing thread.
    private static func finalDigest(_ inner: inout Inner) -> String {
        guard let pipeline = inner.pipeline else { return inner.hasher.finalize().hexString }
        inner.pipeline = nil
        if !inner.pending.isEmpty { pipeline.submit(&inner.pending) }
        inner.pending = []
        return pipeline.finish().hexString
    }

    private static func stopHashing(_ inner: inout Inner) {
        inner.pipeline?.abandon()
        inner.pipeline = nil
        inner.pending = []
    }

    /// Empties the file to start over (a server that ignored a resume range).
    package func restart() -> Bool {
        writer.sync {}
        return inner.withLock { inner in
            inner.size = 0
            Self.stopHashing(&inner)
            inner.hasher = SHA256()
            inner.hashCoversFile = true
            return ftruncate(inner.descriptor, 0) == 0 && lseek(inner.descriptor, 0, SEEK_SET) == 0
        }
    }

    /// Closes the file and returns its digest; the file stays.
    package func finish() -> DownloadedFile {
        writer.sync {}
        return inner.withLock { inner in
            Self.close(&inner)
            let running = Self.finalDigest(&inner)
            let digest = inner.hashCoversFile ? running : Self.digest(of: path)
            return DownloadedFile(path: path, size: inner.size, sha256: digest)
        }
    }

    /// Closes and deletes the file (a failed, cancelled or oversized transfer).
    package func discard() {
        writer.sync {}
        inner.withLock { inner in
            Self.close(&inner)
            Self.stopHashing(&inner)
        }
        unlink(path)
    }

    /// The file's SHA-256, read back in 1 MiB pieces: for a file whose bytes did not
    /// all pass through `write` in order.
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

    deinit {
        inner.withLock { inner in
            Self.close(&inner)
            Self.stopHashing(&inner)
        }
    }
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
