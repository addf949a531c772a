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
/// result. Echoes come back spelled in many ways, so a secret is matched byte by
/// byte where each byte may appear as itself, as a JSON escape (`\"`, `\/`,
/// `\\`, `\u002B` in either case) or as a percent escape (`%2B`, `%2b`), in any
/// mixture: JSON writers, form encoders and URL builders all differ in what they
/// escape. Base64 spellings (Basic auth) are registered as secrets of their own.
package final class SecretRedactor: Sendable {
    /// What a secret is replaced with.
    package static let marker = "[redacted]"

    /// The process-wide registry: secrets are the process's, whoever loaded them.
    package static let shared = SecretRedactor()

    /// Shorter values are not secrets worth the false positives (an empty password, "x").
    static let minimumLength = 6

    /// Raw secrets, longest first so that a secret containing another goes whole.
    private let secrets = Mutex<[[UInt8]]>([])

    package init() {}

    /// Remembers `secret`.
    package func register(_ secret: String) {
        guard secret.utf8.count >= Self.minimumLength else { return }
        let bytes = Array(secret.utf8)
        secrets.withLock { known in
            guard !known.contains(bytes) else { return }
            known.append(bytes)
            known.sort { $0.count > $1.count }
        }
    }

    package var isEmpty: Bool { secrets.withLock { $0.isEmpty } }

    /// True when `text` holds a known secret in any spelling.
    package func contains(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return secrets.withLock { $0 }.contains { Self.find($0, in: bytes, from: 0) != nil }
    }

    /// `text` with every known secret replaced by `marker`.
    package func redact(_ text: String) -> String {
        let bytes = Array(text.utf8)
        guard let cleaned = redactIfNeeded(bytes) else { return text }
        return String(decoding: cleaned, as: UTF8.self)
    }

    /// `bytes` with every known secret replaced, or nil when none occurs (the common
    /// case, which costs a memchr scan per secret and no copy).
    package func redactIfNeeded(_ bytes: [UInt8]) -> [UInt8]? {
        let known = secrets.withLock { $0 }
        guard !known.isEmpty else { return nil }
        var current = bytes
        var changed = false
        for secret in known {
            guard var match = Self.find(secret, in: current, from: 0) else { continue }
            var out: [UInt8] = []
            out.reserveCapacity(current.count)
            var position = 0
            while true {
                out.append(contentsOf: current[position..<match.start])
                out.append(contentsOf: Self.marker.utf8)
                position = match.end
                guard let next = Self.find(secret, in: current, from: position) else { break }
                match = next
            }
            out.append(contentsOf: current[position...])
            current = out
            changed = true
        }
        return changed ? current : nil
    }

    /// The first spelling of `secret` in `haystack` at or after `start`. Candidate
    /// starts are the secret's first byte and the two escape introducers, found with memchr.
    static func find(_ secret: [UInt8], in haystack: [UInt8], from start: Int) -> (start: Int, end: Int)? {
        guard !secret.isEmpty, start < haystack.count else { return nil }
        return haystack.withUnsafeBufferPointer { hay in
            let introducers: [UInt8] = [secret[0], UInt8(ascii: "\\"), UInt8(ascii: "%")]
            var next = introducers.map { nextIndex(of: $0, in: hay, from: start) }
            while let position = next.compactMap({ $0 }).min() {
                if let end = match(secret, in: hay, at: position) { return (position, end) }
                for (slot, byte) in introducers.enumerated() where next[slot] == position {
                    next[slot] = nextIndex(of: byte, in: hay, from: position + 1)
                }
            }
            return nil
        }
    }

    private static func nextIndex(of byte: UInt8, in hay: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < hay.count, let base = hay.baseAddress else { return nil }
        guard let hit = memchr(base + start, Int32(byte), hay.count - start) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// Where a spelling of `secret` starting at `position` ends, if one does.
    private static func match(_ secret: [UInt8], in hay: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
        var cursor = position
        for wanted in secret {
            guard cursor < hay.count else { return nil }
            if let (byte, length) = escaped(in: hay, at: cursor), byte == wanted {
                cursor += length
            } else if hay[cursor] == wanted {
                cursor += 1
            } else {
                return nil
            }
        }
        return cursor
    }

    /// The byte an escape at `position` stands for, and the escape's length.
    private static func escaped(in hay: UnsafeBufferPointer<UInt8>, at position: Int) -> (UInt8, Int)? {
        let introducer = hay[position]
        if introducer == UInt8(ascii: "%"), position + 2 < hay.count,
            let high = hexValue(hay[position + 1]), let low = hexValue(hay[position + 2])
        {
            return (high << 4 | low, 3)
        }
        guard introducer == UInt8(ascii: "\\"), position + 1 < hay.count else { return nil }
        let kind = hay[position + 1]
        if kind == UInt8(ascii: "u"), position + 5 < hay.count {
            var value: UInt32 = 0
            for offset in 2...5 {
                guard let digit = hexValue(hay[position + offset]) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value < 0x80 ? (UInt8(value), 6) : nil
        }
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return (kind, 2)
        default: return nil
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
