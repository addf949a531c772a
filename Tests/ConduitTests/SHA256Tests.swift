import Testing

import CConduit
@testable import Conduit

/// Streaming and padding checks for `SHA256`; the short standard vectors also
/// live in `SHA256Tests` (JSONTests.swift).
@Suite struct SHA256StreamingTests {
    /// FIPS 180-4 / NIST examples, including the million-'a' message.
    static let standardVectors: [(input: [UInt8], digest: String)] = [
        ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        ([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ]

    /// `pseudoRandomBytes(100_003)`, digested once with coreutils `sha256sum`.
    static let pseudoRandomDigest = "c2f0876c47a8aeb840da558900c02b530492920a51fbe1a3351f7bdf3109d551"

    /// Digests of prefixes of `pseudoRandomBytes` around the padding boundaries, from `sha256sum`.
    static let prefixDigests: [(length: Int, digest: String)] = [
        (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (1, "68aa2e2ee5dff96e3355e6c7ee373e3d6a4e17f75f9518d843709c0c9bc3e3d4"),
        (55, "919386e15039a76a1bb3f153f6b00f29a83f97f97db953c5e73c03571124244f"),
        (56, "24b47df627c27eb1fc2bd4bea761344048b8f1b9281d48ce36c0553c6793fc4b"),
        (57, "82833ca7bf6b26ef0717378953aae51c70bdc3c32032ff9746bd53a965e448b1"),
        (63, "4d38b014c81cb5bf10abef1b3dc7703f57778c03a0a1841dea40ac5434a6d46c"),
        (64, "663b84376340c47c5e9c12729c95fff5191f6eaf0002bfb1428c4e3e8080ab18"),
        (65, "1c2ed5b29ead4797e6f4d1c3f1e97a8570ace96a3ad7f240fa489132c2f9302b"),
        (119, "5351d8670dec160c5f048c70ee30ebda8129423b46ba565ab08762aa2c317f06"),
        (120, "d4ad8000d07a0fa73688990a7fb64534775dabb51c2025748aabb6ffe8247c76"),
        (127, "08c69a28155ded1c85262d977ce6a6b1f4120602b244f038f27f8368c192c1e2"),
        (128, "3967c2fc85c1dcd048b3ae2156662f0af87c3ef00838f2a5b4737b6e1d3f12f4"),
        (129, "342e1c11aa2c6be0f3957f2f3bf81d08bf97d3a0f875dc73416e108068e0450b"),
        (1000, "0fdce7b252182d05a40e0198c8bb6e5a3e6a5a40fd00ea6952442f575e376efe"),
    ]

    @Test func standardVectorsInOneCall() {
        for vector in Self.standardVectors {
            #expect(SHA256.hexDigest(vector.input) == vector.digest)
            var hasher = SHA256()
            vector.input.withUnsafeBytes { hasher.update($0) }
            #expect(hasher.finalize().hexString == vector.digest)
        }
    }

    @Test func standardVectorsInAwkwardChunks() {
        for vector in Self.standardVectors {
            for seed: UInt32 in [1, 2, 3] {
                #expect(Self.digestInChunks(vector.input, seed: seed) == vector.digest)
            }
        }
    }

    @Test func digestHasThirtyTwoBytes() {
        #expect(SHA256.hash(Array("abc".utf8)).count == 32)
    }

    @Test func pseudoRandomInputMatchesSha256sum() {
        let data = Self.pseudoRandomBytes(100_003)
        #expect(SHA256.hexDigest(data) == Self.pseudoRandomDigest)
    }

    /// Random chunk sizes, with 0, 1, 63, 64 and 65 forced in, through both `update` overloads.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt32])
    func randomChunkingMatchesOneShot(seed: UInt32) {
        let data = Self.pseudoRandomBytes(100_003)
        #expect(Self.digestInChunks(data, seed: seed) == Self.pseudoRandomDigest)
    }

    @Test func everyChunkSizeFromZeroToTwoBlocksMatches() {
        let data = Self.pseudoRandomBytes(1000)
        for size in 1...130 {
            var hasher = SHA256()
            var offset = 0
            while offset < data.count {
                let end = min(offset + size, data.count)
                hasher.update(data[offset..<end])
                hasher.update(data[end..<end])  // an empty update between every chunk
                offset = end
            }
            #expect(hasher.finalize().hexString == "0fdce7b252182d05a40e0198c8bb6e5a3e6a5a40fd00ea6952442f575e376efe", "chunk size \(size)")
        }
    }

    @Test func paddingBoundaries() {
        let data = Self.pseudoRandomBytes(1000)
        for prefix in Self.prefixDigests {
            let bytes = Array(data[..<prefix.length])
            #expect(SHA256.hexDigest(bytes) == prefix.digest, "length \(prefix.length)")
            // Leave a partial block pending before finalizing.
            var hasher = SHA256()
            let split = prefix.length / 3
            hasher.update(bytes[..<split])
            bytes[split...].withUnsafeBytes { hasher.update($0) }
            #expect(hasher.finalize().hexString == prefix.digest, "length \(prefix.length) split at \(split)")
        }
    }

    /// A collection without contiguous storage goes through the buffered path.
    @Test func nonContiguousCollection() {
        let data = Self.pseudoRandomBytes(100_003)
        let lazy = data.lazy.map { $0 }
        #expect(lazy.withContiguousStorageIfAvailable { _ in true } == nil)
        #expect(SHA256.hexDigest(lazy) == Self.pseudoRandomDigest)
        var hasher = SHA256()
        hasher.update(data[..<10])
        hasher.update(data[10...].lazy.map { $0 })
        #expect(hasher.finalize().hexString == Self.pseudoRandomDigest)
    }

    /// The hasher is a value: a copy taken mid-stream continues independently.
    @Test func copiesAreIndependent() {
        let data = Self.pseudoRandomBytes(1000)
        var hasher = SHA256()
        hasher.update(data[..<100])
        var copy = hasher
        hasher.update(data[100...])
        copy.update(data[100..<127])
        #expect(hasher.finalize().hexString == "0fdce7b252182d05a40e0198c8bb6e5a3e6a5a40fd00ea6952442f575e376efe")
        #expect(copy.finalize().hexString == "08c69a28155ded1c85262d977ce6a6b1f4120602b244f038f27f8368c192c1e2")
    }

    // MARK: - Helpers

    /// xorshift32 from 0x9E3779B9, keeping the low byte of each state.
    /// (Python: x ^= x << 13 & 0xffffffff; x ^= x >> 17; x ^= x << 5 & 0xffffffff; byte = x & 0xff.)
    static func pseudoRandomBytes(_ count: Int) -> [UInt8] {
        var state: UInt32 = 0x9E37_79B9
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// Feeds `data` in chunks of pseudo-random size, alternating the two `update` overloads.
    static func digestInChunks(_ data: [UInt8], seed: UInt32) -> String {
        var state = seed &* 0x9E37_79B9 | 1
        func next() -> UInt32 {
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return state
        }
        let forced = [0, 1, 63, 64, 65, 0, 65, 64, 63, 1]
        var hasher = SHA256()
        var offset = 0
        var step = 0
        while offset < data.count {
            let size: Int
            if step < forced.count {
                size = forced[step]
            } else {
                switch next() % 4 {
                case 0: size = Int(next() % 8)
                case 1: size = 60 + Int(next() % 10)
                case 2: size = Int(next() % 300)
                default: size = Int(next() % 5000)
                }
            }
            let end = min(offset + size, data.count)
            if step % 2 == 0 {
                hasher.update(data[offset..<end])
            } else {
                data[offset..<end].withUnsafeBytes { hasher.update($0) }
            }
            offset = end
            step += 1
        }
        return hasher.finalize().hexString
    }
}

/// The CPU-accelerated compression (when this machine has SHA extensions) and the
/// portable one must agree block for block; the vectors above go through whichever
/// the process picked.
@Suite struct SHA256CompressionTests {
    @Test func acceleratedAndPortableAgree() {
        let data = SHA256StreamingTests.pseudoRandomBytes(64 * 257)
        for blocks in [1, 2, 3, 16, 257] {
            var fast: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
            var slow = fast
            data.withUnsafeBufferPointer { bytes in
                conduit_sha256_compress(&fast, bytes.baseAddress!, blocks)
                conduit_sha256_compress_portable(&slow, bytes.baseAddress!, blocks)
            }
            #expect(fast == slow, "\(blocks) blocks")
        }
    }

    @Test func reportsWhichCodeItUses() {
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let hasSHA = flags.split(separator: "\n").contains { $0.hasPrefix("flags") && $0.split(separator: " ").contains("sha_ni") }
        #if arch(x86_64)
        #expect((conduit_sha256_accelerated() == 1) == hasSHA)
        #endif
    }
}
