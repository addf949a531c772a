/// The integrations compiled into the executable.
package enum BundledIntegrations {
    package static var names: [String] { sources.map(\.name) }

    package static func source(named name: String) -> String? {
        sources.first { $0.name == name }?.json
    }
}
