/// The version conduit reports in `serverInfo`, `--version` and its User-Agent.
package enum ConduitVersion {
    package static let current = "0.1.0"
}
