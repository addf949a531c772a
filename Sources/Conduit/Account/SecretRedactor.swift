import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every secret this process knows — the account's credential values, the auth
/// header values made from them, tokens obtained at run time — and the one place
/// that removes them from text before it leaves conduit (stdout, stderr, result files).
///
/// An upstream that echoes the request back in an error body ("invalid header
/// Authorization: Bearer …") would otherwise carry the credential into a tool
/// result. Each secret is registered in the spellings it can come back in: as is,
/// JSON-escaped (as conduit writes it, and with "/" escaped as other writers do), percent-encoded (form and
/// query echoes) and, for Basic auth, the base64 of `user:password`.
package final class SecretRedactor: Sendable {
    /// What a secret is replaced with.
    package static let marker = "[redacted]"

    /// The process-wide registry: secrets are the process's, whoever loaded them.
    package static let shared = SecretRedactor()

    /// Shorter values are not secrets worth the false positives (an empty password, "x").
    static let minimumLength = 6

    private let spellings = Mutex<[[UInt8]]>([])

    package init() {}

    /// Remembers `secret` and the spellings it may come back in.
    package func register(_ secret: String) {
        guard secret.utf8.count >= Self.minimumLength else { return }
        let escaped = Self.jsonEscaped(secret)
        // Other JSON writers may also escape "/" (an upstream echoing it back).
        var forms: Set<String> = [secret, escaped, escaped.replacingOccurrences(of: "/", with: "\\/")]
        if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { forms.insert(encoded) }
        if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) { forms.insert(encoded) }
        spellings.withLock { known in
            for form in forms where form.utf8.count >= Self.minimumLength {
                let bytes = Array(form.utf8)
                if !known.contains(bytes) { known.append(bytes) }
            }
            // Longest first, so a secret that contains another is removed whole.
            known.sort { $0.count > $1.count }
        }
    }

    package var isEmpty: Bool { spellings.withLock { $0.isEmpty } }

    /// `text` with every known secret replaced by `marker`.
    package func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let cleaned = redactIfNeeded(bytes) else { return text }
        return String(decoding: cleaned, as: UTF8.self)
    }

    /// `bytes` with every known secret replaced, or nil when none occurs (the common
    /// case, which costs one search per spelling and no copy).
    package func redactIfNeeded(_ bytes: [UInt8]) -> [UInt8]? {
        let known = spellings.withLock { $0 }
        guard !known.isEmpty else { return nil }
        var current = bytes
        var changed = false
        for secret in known {
            guard let first = Self.find(secret, in: current, from: 0) else { continue }
            var out: [UInt8] = []
            out.reserveCapacity(current.count)
            var position = 0
            var match: Int? = first
            while let start = match {
                out.append(contentsOf: current[position..<start])
                out.append(contentsOf: Self.marker.utf8)
                position = start + secret.count
                match = Self.find(secret, in: current, from: position)
            }
            out.append(contentsOf: current[position...])
            current = out
            changed = true
        }
        return changed ? current : nil
    }

    /// The first occurrence of `needle` in `haystack` at or after `start`: memchr for
    /// the first byte, memcmp for the rest.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, needle.count <= haystack.count - start else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pin in
                let base = hay.baseAddress!
                let last = hay.count - pin.count
                var position = start
                while position <= last {
                    guard let hit = memchr(base + position, Int32(pin[0]), last - position + 1) else { return nil }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, pin.baseAddress!, pin.count) == 0 { return offset }
                    position = offset + 1
                }
                return nil
            }
        }
    }

    /// The secret as conduit's own JSON writer spells it inside a string.
    static func jsonEscaped(_ secret: String) -> String {
        var writer = JSONWriter()
        writer.write(.string(secret))
        return String(decoding: writer.bytes.dropFirst().dropLast(), as: UTF8.self)
    }
}
