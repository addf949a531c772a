import Dispatch
import Foundation
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
package final class MessageWriter: Sendable {
    private let queue = DispatchQueue(label: "conduit.stdout")
    private let fileDescriptor: Int32
    private let onBrokenPipe: @Sendable () -> Void
    /// Every line written, for tests that run the server in-process.
    private let tap: (@Sendable (JSONValue) -> Void)?

    package init(
        fileDescriptor: Int32 = 1,
        tap: (@Sendable (JSONValue) -> Void)? = nil,
        onBrokenPipe: @escaping @Sendable () -> Void = {}
    ) {
        self.fileDescriptor = fileDescriptor
        self.tap = tap
        self.onBrokenPipe = onBrokenPipe
    }

    package func send(_ message: JSONValue) {
        if let tap {
            tap(message)
            return
        }
        var line = message.jsonBytes
        line.append(0x0A)
        let bytes = line
        let fileDescriptor = fileDescriptor
        let onBrokenPipe = onBrokenPipe
        queue.async {
            if !writeFully(fileDescriptor, bytes) { onBrokenPipe() }
        }
    }

    /// Waits until everything sent so far has been written.
    package func flush() {
        queue.sync {}
    }
}

/// Diagnostics on stderr: quiet by default, and never able to block the server.
///
/// Writes happen on their own queue; when a reader of stderr falls behind by
/// more than `maximumBacklog` bytes, further lines are dropped (and counted)
/// rather than queued without bound.
package final class DiagnosticLog: Sendable {
    package static let maximumBacklog = 1 << 20

    private let queue = DispatchQueue(label: "conduit.stderr")
    private let state = Mutex((backlog: 0, dropped: 0))
    package let level: LogLevel?

    /// - Parameter level: the least severe level written; nil writes nothing.
    package init(level: LogLevel?) {
        self.level = level
    }

    package func enabled(_ level: LogLevel) -> Bool {
        guard let threshold = self.level else { return false }
        return level >= threshold
    }

    package func log(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard enabled(level) else { return }
        let bytes = Array("conduit: \(level.rawValue): \(message())\n".utf8)
        let accepted = state.withLock { state -> Bool in
            guard state.backlog + bytes.count <= Self.maximumBacklog else {
                state.dropped += 1
                return false
            }
            state.backlog += bytes.count
            return true
        }
        guard accepted else { return }
        queue.async { [self] in
            writeFully(2, bytes)
            state.withLock { $0.backlog -= bytes.count }
        }
    }

    package var droppedLines: Int { state.withLock { $0.dropped } }
}
