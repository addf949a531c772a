import Foundation

/// A finished child process: how it exited and all it wrote.
struct FinishedProcess {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` to the end with no standard input and returns what it wrote.
func runToEnd(
    _ executable: String, _ arguments: [String], environment: [String: String], directory: URL? = nil
) throws -> FinishedProcess {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.environment = environment
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // stderr is drained beside stdout so that neither pipe can fill and stall the child.
    let stderrData = LockedData()
    let drained = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        stderrData.value = err.fileHandleForReading.readDataToEndOfFile()
        drained.signal()
    }
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    process.waitUntilExit()
    return FinishedProcess(
        status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderrData.value, as: UTF8.self))
}

/// Data handed from one thread to another, read after a semaphore says it is written.
private final class LockedData: @unchecked Sendable {
    var value = Data()
}
