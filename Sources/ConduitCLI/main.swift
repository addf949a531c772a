import Conduit
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

// The executable is a thin shell over the Conduit library: parse the command line,
// assemble, run, and map failures to exit codes (0 success, 1 failure, 2 usage).
let environment = ProcessInfo.processInfo.environment
var arguments = Array(CommandLine.arguments.dropFirst())

do {
    let command = try CommandLineArguments.parse(arguments)
    exit(try Commands.run(command, environment: environment))
} catch let error as UsageError {
    writeFully(2, Array("conduit: \(error.message)\nRun 'conduit --help' for usage.\n".utf8))
    exit(2)
} catch let error as Startup.Failure {
    for problem in error.problems { writeFully(2, Array("conduit: \(problem)\n".utf8)) }
    exit(1)
} catch {
    writeFully(2, Array("conduit: \(error)\n".utf8))
    exit(1)
}
