import Synchronization

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

    /// What one scan needs, replaced whole when a secret is added (rare) so that a scan
    /// reads it without copying or holding a lock.
    private final class Patterns: Sendable {
        /// Raw secrets, longest first so that a secret containing another goes whole.
        let secrets: [[UInt8]]
        /// Bytes at which a spelling of some secret can start: each secret's first byte
        /// and the two escape introducers.
        let starts: [Bool]
        /// The same bytes, each repeated across a 64-bit word, to find them eight at a time.
        let startWords: [UInt64]
        /// For each start byte, the bytes that can follow it in a spelling (256 bits per
        /// start byte, four words): most candidates end here, without trying a secret.
        let followers: [UInt64]

        init(_ secrets: [[UInt8]]) {
            self.secrets = secrets
            var starts = [Bool](repeating: false, count: 256)
            for secret in secrets { starts[Int(secret[0])] = true }
            if !secrets.isEmpty {
                starts[Int(UInt8(ascii: "\\"))] = true
                starts[Int(UInt8(ascii: "%"))] = true
            }
            self.starts = starts
            startWords = (0..<256).filter { starts[$0] }.map { UInt64($0) &* 0x0101_0101_0101_0101 }
            var followers = [UInt64](repeating: 0, count: 256 * 4)
            func allow(_ first: UInt8, _ next: UInt8) { followers[Int(first) * 4 + Int(next >> 6)] |= 1 << UInt64(next & 63) }
            for secret in secrets {
                // A raw first byte is followed by the raw second one or an escape of it.
                allow(secret[0], secret[1])
                allow(secret[0], UInt8(ascii: "\\"))
                allow(secret[0], UInt8(ascii: "%"))
            }
            // An escape introducer may spell any first byte: anything may follow it.
            for introducer in [UInt8(ascii: "\\"), UInt8(ascii: "%")] where starts[Int(introducer)] {
                for word in 0..<4 { followers[Int(introducer) * 4 + word] = .max }
            }
            self.followers = followers
        }
    }

    private let patterns = Mutex(Patterns([]))

    package init() {}

    /// Remembers `secret`.
    package func register(_ secret: String) {
        guard secret.utf8.count >= Self.minimumLength else { return }
        let bytes = Array(secret.utf8)
        patterns.withLock { current in
            guard !current.secrets.contains(bytes) else { return }
            current = Patterns((current.secrets + [bytes]).sorted { $0.count > $1.count })
        }
    }

    package var isEmpty: Bool { patterns.withLock { $0.secrets.isEmpty } }

    /// True when `text` holds a known secret in any spelling.
    package func contains(_ text: String) -> Bool {
        let known = patterns.withLock { $0 }
        guard !known.secrets.isEmpty else { return false }
        return Array(text.utf8).withUnsafeBufferPointer { Self.find(known, in: $0, from: 0) != nil }
    }

    /// `text` with every known secret replaced by `marker`.
    package func redact(_ text: String) -> String {
        guard let cleaned = redactIfNeeded(Array(text.utf8)) else { return text }
        return String(decoding: cleaned, as: UTF8.self)
    }

    /// `bytes` with every known secret replaced, or nil when none occurs (the common
    /// case: one pass over the bytes, no copy).
    package func redactIfNeeded(_ bytes: [UInt8]) -> [UInt8]? {
        let known = patterns.withLock { $0 }
        guard !known.secrets.isEmpty else { return nil }
        return bytes.withUnsafeBufferPointer { hay -> [UInt8]? in
            guard var match = Self.find(known, in: hay, from: 0) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(hay.count)
            var position = 0
            while true {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: hay[position..<match.start]))
                out.append(contentsOf: Self.marker.utf8)
                position = match.end
                guard let next = Self.find(known, in: hay, from: position) else { break }
                match = next
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: hay[position...]))
            return out
        }
    }

    /// The first spelling of any secret in `hay` at or after `start`: one pass over the
    /// bytes, eight at a time, trying the secrets (longest first) only where one of them
    /// can start.
    private static func find(_ patterns: Patterns, in hay: UnsafeBufferPointer<UInt8>, from start: Int) -> (start: Int, end: Int)? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var position = start
        if let base = hay.baseAddress {
            let raw = UnsafeRawPointer(base)
            while position + 8 <= hay.count {
                let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                var candidates: UInt64 = 0
                for target in patterns.startWords {
                    let equal = word ^ target
                    candidates |= (equal &- ones) & ~equal & highs
                }
                // Each flagged byte is a candidate; a borrow can flag a byte above a real
                // one, which then simply fails to match.
                while candidates != 0 {
                    let candidate = position + candidates.trailingZeroBitCount >> 3
                    if let found = matchAny(patterns, in: hay, at: candidate) { return found }
                    candidates &= candidates &- 1
                }
                position += 8
            }
        }
        while position < hay.count {
            if patterns.starts[Int(hay[position])], let found = matchAny(patterns, in: hay, at: position) { return found }
            position += 1
        }
        return nil
    }

    private static func matchAny(_ patterns: Patterns, in hay: UnsafeBufferPointer<UInt8>, at position: Int) -> (start: Int, end: Int)? {
        // Every secret is at least `minimumLength` long, so a spelling needs a next byte.
        guard position + 1 < hay.count else { return nil }
        let next = hay[position + 1]
        guard patterns.followers[Int(hay[position]) * 4 + Int(next >> 6)] & (1 << UInt64(next & 63)) != 0 else { return nil }
        for secret in patterns.secrets {
            if let end = match(secret, in: hay, at: position) { return (position, end) }
        }
        return nil
    }

    /// Where a spelling of `secret` starting at `position` ends, if one does.
    private static func match(_ secret: [UInt8], in hay: UnsafeBufferPointer<UInt8>, at position: Int) -> Int? {
        var cursor = position
        for wanted in secret {
            guard cursor < hay.count else { return nil }
            let byte = hay[cursor]
            if byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "%"), let (decoded, length) = escaped(in: hay, at: cursor),
                decoded == wanted
            {
                cursor += length
            } else if byte == wanted {
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
            let high = hexDigitValue(hay[position + 1]), let low = hexDigitValue(hay[position + 2])
        {
            return (high << 4 | low, 3)
        }
        guard introducer == UInt8(ascii: "\\"), position + 1 < hay.count else { return nil }
        let kind = hay[position + 1]
        if kind == UInt8(ascii: "u"), position + 5 < hay.count {
            var value: UInt32 = 0
            for offset in 2...5 {
                guard let digit = hexDigitValue(hay[position + offset]) else { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value < 0x80 ? (UInt8(value), 6) : nil
        }
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return (kind, 2)
        default: return nil
        }
    }
}
