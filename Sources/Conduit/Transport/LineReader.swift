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

/// Reads newline-delimited messages from a file descriptor on a dedicated thread.
///
/// Reads block (no polling, no sleeps). Lines may be any length up to
/// `maximumLineLength`; a longer line is discarded up to its newline and
/// reported once through `onOversizedLine`, so a hostile client cannot make
/// conduit buffer without bound. A trailing `\r` is dropped, so `\r\n` works.
/// Blank lines are skipped.
package final class LineReader: Sendable {
    /// 16 MiB: far beyond any real request (a model's whole output is well under 1 MiB),
    /// and small enough that parsing the worst line (a flat array of tiny values grows
    /// about 18-fold as `JSONValue`s) stays in the low hundreds of MB.
    package static let defaultMaximumLineLength = 16 * 1024 * 1024

    private let fileDescriptor: Int32
    private let maximumLineLength: Int
    private let onLine: @Sendable ([UInt8]) -> Void
    private let onOversizedLine: @Sendable () -> Void
    private let onEnd: @Sendable () -> Void

    package init(
        fileDescriptor: Int32 = 0,
        maximumLineLength: Int = LineReader.defaultMaximumLineLength,
        onLine: @escaping @Sendable ([UInt8]) -> Void,
        onOversizedLine: @escaping @Sendable () -> Void,
        onEnd: @escaping @Sendable () -> Void
    ) {
        self.fileDescriptor = fileDescriptor
        self.maximumLineLength = maximumLineLength
        self.onLine = onLine
        self.onOversizedLine = onOversizedLine
        self.onEnd = onEnd
    }

    /// Starts the reading thread and returns at once.
    package func start() {
        startThread(named: "conduit.stdin", stackSize: 4 << 20) { [self] in run() }
    }

    /// The reading loop; public for tests that drive it synchronously.
    package func run() {
        var pending: [UInt8] = []
        var discarding = false
        let chunkSize = 64 * 1024
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, chunkSize) }
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            if count == 0 { break }
            var start = 0
            chunk.withUnsafeBufferPointer { buffer in
                for index in 0..<count where buffer[index] == 0x0A {
                    if discarding {
                        discarding = false
                    } else if pending.count + (index - start) > maximumLineLength {
                        onOversizedLine()
                    } else {
                        pending.append(contentsOf: buffer[start..<index])
                        deliver(&pending)
                    }
                    pending.removeAll(keepingCapacity: pending.count < 1 << 20)
                    start = index + 1
                }
                if !discarding && start < count {
                    pending.append(contentsOf: buffer[start..<count])
                    if pending.count > maximumLineLength {
                        pending = []
                        discarding = true
                        onOversizedLine()
                    }
                }
            }
        }
        if !discarding && !pending.isEmpty { deliver(&pending) }
        onEnd()
    }

    private func deliver(_ line: inout [UInt8]) {
        if line.last == 0x0D { line.removeLast() }
        // Skip lines that are only whitespace: they carry no message.
        guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
        onLine(line)
    }
}
