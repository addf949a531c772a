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

/// Writes all of `bytes` to a file descriptor, retrying on EINTR and short writes.
/// Returns false when the descriptor is closed or broken.
@discardableResult
package func writeFully(_ fileDescriptor: Int32, _ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in
            write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
        }
        if written < 0 {
            if errno == EINTR || errno == EAGAIN { continue }
            return false
        }
        offset += written
    }
    return true
}

/// The one writer of protocol messages: every message is one line, written whole,
/// in the order `send` was called, from one serial queue.
///
/// Two guarantees for what leaves the process on stdout:
/// - Bounded memory: when the client stops reading, lines queue up to
///   `maximumBacklog` bytes; beyond that `send` waits until the client catches up.
///   As requests are read and answered on the stdin thread, a client that never
///   reads stops conduit from reading more requests (the usual pipe back-pressure)
///   instead of making it buffer without bound.
/// - No credentials: every line passes through `SecretRedactor.shared` as written,
///   so a secret that reached a result in any spelling the parser undid (an
///   upstream echo with `\u002B` escapes) is still removed.
package final class MessageWriter: Sendable {
    /// Bytes waiting for the client beyond which senders wait.
    package static let maximumBacklog = 4 << 20

    private let queue = DispatchQueue(label: "conduit.stdout")
    private let fileDescriptor: Int32
    private let onBrokenPipe: @Sendable () -> Void
    /// Every line written, for tests that run the server in-process.
    private let tap: (@Sendable (JSONValue) -> Void)?
    private let backlog: Backlog

    package init(
        fileDescriptor: Int32 = 1,
        maximumBacklog: Int = MessageWriter.maximumBacklog,
        tap: (@Sendable (JSONValue) -> Void)? = nil,
        onBrokenPipe: @escaping @Sendable () -> Void = {}
    ) {
        self.fileDescriptor = fileDescriptor
        self.tap = tap
        self.onBrokenPipe = onBrokenPipe
        backlog = Backlog(limit: maximumBacklog)
    }

    package func send(_ message: JSONValue) {
        send(EncodedMessage(message))
    }

    package func send(_ message: EncodedMessage) {
        if let tap {
            tap(message.value)
            return
        }
        let bytes = message.isRedacted ? message.line : SecretRedactor.shared.redactIfNeeded(message.line) ?? message.line
        let fileDescriptor = fileDescriptor
        let onBrokenPipe = onBrokenPipe
        let backlog = backlog
        backlog.reserve(bytes.count)
        queue.async {
            if !writeFully(fileDescriptor, bytes) { onBrokenPipe() }
            backlog.release(bytes.count)
        }
    }

    /// Waits until everything sent so far has been written.
    package func flush() {
        queue.sync {}
    }

    /// Bytes sent and not yet written.
    package var pendingBytes: Int { backlog.pending }
}

/// A byte count with a ceiling that senders wait under. A single line larger than the
/// ceiling still goes through once nothing else is pending, so nothing can wait forever
/// on its own size.
final class Backlog: @unchecked Sendable {
    private let condition = ConditionLock()
    private var bytes = 0
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    func reserve(_ count: Int) {
        condition.lock()
        while bytes > 0 && bytes + count > limit { condition.wait() }
        bytes += count
        condition.unlock()
    }

    func release(_ count: Int) {
        condition.lock()
        bytes -= count
        condition.broadcast()
        condition.unlock()
    }

    var pending: Int {
        condition.lock()
        defer { condition.unlock() }
        return bytes
    }
}

/// Diagnostics on stderr: quiet by default, and never able to block the server.
///
/// Writes happen on their own queue; when a reader of stderr falls behind by
/// more than `maximumBacklog` bytes, further lines are dropped (and counted)
/// rather than queued without bound. Known secrets are removed from every line.
package final class DiagnosticLog: Sendable {
    package static let maximumBacklog = 1 << 20

    private let queue = DispatchQueue(label: "conduit.stderr")
    private let state = Mutex((backlog: 0, dropped: 0))
    private let fileDescriptor: Int32
    package let level: LogLevel?

    /// - Parameter level: the least severe level written; nil writes nothing.
    package init(level: LogLevel?, fileDescriptor: Int32 = 2) {
        self.level = level
        self.fileDescriptor = fileDescriptor
    }

    package func enabled(_ level: LogLevel) -> Bool {
        guard let threshold = self.level else { return false }
        return level >= threshold
    }

    package func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard enabled(level) else { return }
        let bytes = Array("conduit: \(level.rawValue): \(SecretRedactor.shared.redact(message()))\n".utf8)
        let accepted = state.withLock { state -> Bool in
            guard state.backlog + bytes.count <= Self.maximumBacklog else {
                state.dropped += 1
                return false
            }
            state.backlog += bytes.count
            return true
        }
        guard accepted else { return }
        let fileDescriptor = fileDescriptor
        queue.async { [self] in
            writeFully(fileDescriptor, bytes)
            state.withLock { $0.backlog -= bytes.count }
        }
    }

    package var droppedLines: Int { state.withLock { $0.dropped } }
}
