import CConduit

/// SHA-256 (FIPS 180-4), incremental.
///
/// The toolchain on Linux has no CryptoKit and conduit takes no package
/// dependencies, so this small implementation serves tool-name shortening,
/// the API-token check and media checksums.
///
/// It is written to hash large downloads on the fly: whole blocks go straight
/// from the caller's buffer to the compression function (C, with the CPU's SHA
/// instructions where present: several times faster than portable code) and a
/// partial block waits in fixed 64-byte storage, so `update` neither allocates
/// nor copies beyond that one partial block.
package struct SHA256: Sendable {
    private var state = State()
    /// Bytes of a partial block, waiting for the rest of it.
    private var pending: Block = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    /// Total bytes taken in, modulo 2^64.
    private var length: UInt64 = 0

    private typealias Block = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    package init() {}

    package mutating func update(_ bytes: some Collection<UInt8>) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if handled != nil { return }
        // Not contiguous: feed it through a small stack buffer rather than copying it whole.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4096) { scratch in
            var filled = 0
            for byte in bytes {
                scratch[filled] = byte
                filled += 1
                if filled == scratch.count {
                    update(UnsafeRawBufferPointer(scratch))
                    filled = 0
                }
            }
            if filled > 0 { update(UnsafeRawBufferPointer(start: scratch.baseAddress, count: filled)) }
        }
    }

    /// Tops up a partial block first, then hashes whole blocks from the input.
    package mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard var source = buffer.baseAddress, buffer.count > 0 else { return }
        var remaining = buffer.count
        length &+= UInt64(truncatingIfNeeded: remaining)

        if pendingCount > 0 {
            let take = min(64 - pendingCount, remaining)
            let count = pendingCount
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.advanced(by: count).copyMemory(from: source, byteCount: take)
            }
            pendingCount += take
            source += take
            remaining -= take
            guard pendingCount == 64 else { return }
            withUnsafeBytes(of: &pending) { state.compress($0.baseAddress!, blocks: 1) }
            pendingCount = 0
        }

        let whole = remaining / 64
        if whole > 0 {
            state.compress(source, blocks: whole)
            source += whole * 64
            remaining -= whole * 64
        }

        if remaining > 0 {
            withUnsafeMutableBytes(of: &pending) { block in
                block.baseAddress!.copyMemory(from: source, byteCount: remaining)
            }
            pendingCount = remaining
        }
    }

    package mutating func finalize() -> [UInt8] {
        let bitLength = length &* 8
        // The pending bytes, 0x80, zeros, then the 64-bit big-endian bit length: one or two blocks.
        var tail: (Block, Block) = ((0, 0, 0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 0, 0, 0, 0))
        let count = pendingCount
        let blocks = count < 56 ? 1 : 2
        withUnsafeMutableBytes(of: &tail) { out in
            withUnsafeBytes(of: &pending) { out.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: count) }
            out[count] = 0x80
            out.storeBytes(of: bitLength.bigEndian, toByteOffset: blocks * 64 - 8, as: UInt64.self)
            state.compress(UnsafeRawPointer(out.baseAddress!), blocks: blocks)
        }
        pendingCount = 0
        return state.digest
    }

    /// The digest of `bytes` in one call.
    package static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    package static func hexDigest(_ bytes: some Collection<UInt8>) -> String {
        hash(bytes).hexString
    }
}

/// The eight chaining words; the compression function is C (CConduit), where it can
/// use the CPU's SHA instructions.
private struct State: Sendable {
    var words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )

    /// The chaining words, big-endian.
    var digest: [UInt8] {
        let w = words
        let big = (w.0.bigEndian, w.1.bigEndian, w.2.bigEndian, w.3.bigEndian, w.4.bigEndian, w.5.bigEndian, w.6.bigEndian, w.7.bigEndian)
        return withUnsafeBytes(of: big) { Array($0) }
    }

    /// Hashes `blocks` consecutive 64-byte blocks starting at `input` (any alignment).
    mutating func compress(_ input: UnsafeRawPointer, blocks: Int) {
        withUnsafeMutableBytes(of: &words) { raw in
            conduit_sha256_compress(
                raw.baseAddress!.assumingMemoryBound(to: UInt32.self), input.assumingMemoryBound(to: UInt8.self), blocks)
        }
    }
}

extension Collection<UInt8> {
    /// Lower-case hexadecimal.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
