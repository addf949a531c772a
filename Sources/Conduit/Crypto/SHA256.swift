/// SHA-256 (FIPS 180-4), incremental.
///
/// The toolchain on Linux has no CryptoKit and conduit takes no package
/// dependencies, so this small implementation serves tool-name shortening,
/// the API-token check and media checksums.
///
/// It is written to hash large downloads on the fly: whole blocks are hashed
/// straight from the caller's buffer, the chaining state lives in stored
/// words, the message schedule is a stack buffer and a partial block waits in
/// fixed 64-byte storage, so `update` neither allocates nor copies beyond
/// that one partial block.
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

/// The eight chaining words and the compression function.
private struct State: Sendable {
    var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85, h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
    var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c, h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19

    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The chaining words, big-endian.
    var digest: [UInt8] {
        let words = (h0.bigEndian, h1.bigEndian, h2.bigEndian, h3.bigEndian, h4.bigEndian, h5.bigEndian, h6.bigEndian, h7.bigEndian)
        return withUnsafeBytes(of: words) { Array($0) }
    }

    /// Hashes `blocks` consecutive 64-byte blocks starting at `input` (any alignment).
    mutating func compress(_ input: UnsafeRawPointer, blocks: Int) {
        Self.roundConstants.withUnsafeBytes { constants in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
                compress(input, blocks: blocks, k: constants.baseAddress!, kw: schedule.baseAddress!)
            }
        }
    }

    /// The message schedule is computed four words at a time in vector registers and
    /// stored, round constants added, sixteen rounds ahead of its use, interleaved with
    /// the scalar rounds so that the vector and integer units work side by side.
    @inline(__always)
    private mutating func compress(
        _ input: UnsafeRawPointer, blocks: Int, k: UnsafeRawPointer, kw: UnsafeMutablePointer<UInt32>
    ) {
        let out = UnsafeMutableRawPointer(kw)
        var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
        var block = input
        for _ in 0..<blocks {
            var w0 = loadWords(block, 0), w1 = loadWords(block, 16), w2 = loadWords(block, 32), w3 = loadWords(block, 48)
            out.storeBytes(of: w0 &+ k.loadUnaligned(fromByteOffset: 0, as: Words.self), toByteOffset: 0, as: Words.self)
            out.storeBytes(of: w1 &+ k.loadUnaligned(fromByteOffset: 16, as: Words.self), toByteOffset: 16, as: Words.self)
            out.storeBytes(of: w2 &+ k.loadUnaligned(fromByteOffset: 32, as: Words.self), toByteOffset: 32, as: Words.self)
            out.storeBytes(of: w3 &+ k.loadUnaligned(fromByteOffset: 48, as: Words.self), toByteOffset: 48, as: Words.self)

            // b ^ c, handed from round to round (see `round`).
            var bc = b ^ c
            var i = 0
            while i < 48 {
                // Rounds i..<i+8 use words already stored; meanwhile make words i+16..<i+24.
                let x0 = expand(w0, w1, w2, w3)
                out.storeBytes(of: x0 &+ k.loadUnaligned(fromByteOffset: (i &+ 16) &* 4, as: Words.self), toByteOffset: (i &+ 16) &* 4, as: Words.self)
                round(a, b, c, &d, e, f, g, &h, &bc, kw[i])
                round(h, a, b, &c, d, e, f, &g, &bc, kw[i &+ 1])
                round(g, h, a, &b, c, d, e, &f, &bc, kw[i &+ 2])
                round(f, g, h, &a, b, c, d, &e, &bc, kw[i &+ 3])
                let x1 = expand(w1, w2, w3, x0)
                out.storeBytes(of: x1 &+ k.loadUnaligned(fromByteOffset: (i &+ 20) &* 4, as: Words.self), toByteOffset: (i &+ 20) &* 4, as: Words.self)
                round(e, f, g, &h, a, b, c, &d, &bc, kw[i &+ 4])
                round(d, e, f, &g, h, a, b, &c, &bc, kw[i &+ 5])
                round(c, d, e, &f, g, h, a, &b, &bc, kw[i &+ 6])
                round(b, c, d, &e, f, g, h, &a, &bc, kw[i &+ 7])
                w0 = w2; w1 = w3; w2 = x0; w3 = x1
                i &+= 8
            }
            while i < 64 {
                round(a, b, c, &d, e, f, g, &h, &bc, kw[i])
                round(h, a, b, &c, d, e, f, &g, &bc, kw[i &+ 1])
                round(g, h, a, &b, c, d, e, &f, &bc, kw[i &+ 2])
                round(f, g, h, &a, b, c, d, &e, &bc, kw[i &+ 3])
                round(e, f, g, &h, a, b, c, &d, &bc, kw[i &+ 4])
                round(d, e, f, &g, h, a, b, &c, &bc, kw[i &+ 5])
                round(c, d, e, &f, g, h, a, &b, &bc, kw[i &+ 6])
                round(b, c, d, &e, f, g, h, &a, &bc, kw[i &+ 7])
                i &+= 8
            }
            a = a &+ h0; b = b &+ h1; c = c &+ h2; d = d &+ h3
            e = e &+ h4; f = f &+ h5; g = g &+ h6; h = h &+ h7
            h0 = a; h1 = b; h2 = c; h3 = d; h4 = e; h5 = f; h6 = g; h7 = h
            block += 64
        }
    }
}

private typealias Words = SIMD4<UInt32>

/// Four big-endian words from `block` at `offset`.
@inline(__always)
private func loadWords(_ block: UnsafeRawPointer, _ offset: Int) -> Words {
    Words(
        UInt32(bigEndian: block.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
        UInt32(bigEndian: block.loadUnaligned(fromByteOffset: offset &+ 4, as: UInt32.self)),
        UInt32(bigEndian: block.loadUnaligned(fromByteOffset: offset &+ 8, as: UInt32.self)),
        UInt32(bigEndian: block.loadUnaligned(fromByteOffset: offset &+ 12, as: UInt32.self))
    )
}

// The vector sigmas are plain shifts and xors, in this order on purpose. SIMD
// shifts and xors are lane-by-lane in the standard library and LLVM's SLP
// vectorizer puts them back together: written as rotates they come back as
// scalar `rol`s (SSE2 has no vector rotate), and a chain that pairs two shifts
// of the same direction may come back with different shift counts per lane,
// which SSE2 can only do with shuffles. Alternating directions keeps every
// step a single uniform vector shift.
@inline(__always)
private func smallSigma0(_ x: Words) -> Words {
    (x &>> 3) ^ (x &<< 14) ^ (x &>> 7) ^ (x &<< 25) ^ (x &>> 18)
}

@inline(__always)
private func smallSigma1(_ x: Words) -> Words {
    (x &>> 10) ^ (x &<< 13) ^ (x &>> 17) ^ (x &<< 15) ^ (x &>> 19)
}

/// W[t..<t+4] from W[t-16..<t], held as four vectors of four words.
@inline(__always)
private func expand(_ w0: Words, _ w1: Words, _ w2: Words, _ w3: Words) -> Words {
    let partial = w0 &+ smallSigma0(Words(w0[1], w0[2], w0[3], w1[0])) &+ Words(w2[1], w2[2], w2[3], w3[0])
    // W[t-2] and W[t-1] feed lanes 0 and 1; lanes 2 and 3 need W[t] and W[t+1], made first.
    let low = partial &+ smallSigma1(Words(w3[2], w3[3], w3[2], w3[3]))
    let high = partial &+ smallSigma1(Words(low[0], low[1], low[0], low[1]))
    return Words(low[0], low[1], high[2], high[3])
}

/// One round: `d` receives the new e and `h` the new a. After eight calls with
/// the roles rotated, every variable holds its own letter again. `bc` carries
/// b ^ c into the round and leaves with a ^ b, the next round's b ^ c, so the
/// majority costs three operations.
@inline(__always)
private func round(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
    _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ bc: inout UInt32, _ kw: UInt32
) {
    let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
    let ab = a ^ b
    d = d &+ t1
    h = t1 &+ (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ (b ^ (ab & bc))
    bc = ab
}

@inline(__always)
private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
    (x &>> n) | (x &<< (32 &- n))
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
