#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tiny but real media files for the sandbox's recordings, built here byte by byte so
/// the stand-ins can serve what the vendors serve: an MP4 with an H.264 video track
/// (Chorus meetings), a WAV of PCM audio (Chorus dialer calls), a WebM with Opus audio
/// (Coviu audio recordings) and a WebM with VP8 video (Coviu submission files).
/// Each is a few KB and plays in ordinary players.
package enum SandboxMedia {
    /// A 16×16 H.264 (Constrained Baseline) video of one second in an MP4 container.
    package static let meetingVideoMP4: [UInt8] = MP4Writer.videoFile()

    /// Four tenths of a second of a 440 Hz tone, 8 kHz mono 16-bit PCM, in a WAV file.
    package static let dialerAudioWAV: [UInt8] = waveFile(seconds: 0.4, frequency: 440)

    /// Half a second of Opus audio (silent frames) in a WebM container.
    package static let audioWebM: [UInt8] = WebMWriter.opusFile()

    /// One second of 16×16 VP8 video in a WebM container.
    package static let videoWebM: [UInt8] = WebMWriter.vp8File()

    // MARK: WAV

    static func waveFile(seconds: Double, frequency: Double) -> [UInt8] {
        let rate = 8000
        let count = Int(Double(rate) * seconds)
        var samples: [UInt8] = []
        samples.reserveCapacity(count * 2)
        for index in 0..<count {
            // A short fade at both ends keeps the tone from clicking.
            let fade = min(1, Double(min(index, count - 1 - index)) / 400)
            let value = Int16(sin(2 * Double.pi * frequency * Double(index) / Double(rate)) * 6000 * fade)
            samples += littleEndian(UInt16(bitPattern: value))
        }
        var file = Array("RIFF".utf8) + littleEndian(UInt32(36 + samples.count)) + Array("WAVE".utf8)
        file += Array("fmt ".utf8) + littleEndian(UInt32(16))
        file += littleEndian(UInt16(1)) + littleEndian(UInt16(1))  // PCM, mono
        file += littleEndian(UInt32(rate)) + littleEndian(UInt32(rate * 2))  // sample rate, byte rate
        file += littleEndian(UInt16(2)) + littleEndian(UInt16(16))  // block align, bits per sample
        file += Array("data".utf8) + littleEndian(UInt32(samples.count)) + samples
        return file
    }

    static func littleEndian(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    static func littleEndian(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    static func bigEndian(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func bigEndian(_ value: UInt32) -> [UInt8] { (0..<4).reversed().map { UInt8(value >> (8 * $0) & 0xFF) } }
}

/// Matroska/WebM (EBML) files with one track and one cluster.
enum WebMWriter {
    /// An EBML element: its id bytes, the payload size as a variable-length integer, the payload.
    static func element(_ id: [UInt8], _ payload: [UInt8]) -> [UInt8] {
        id + size(payload.count) + payload
    }

    static func element(_ id: [UInt8], unsigned value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        repeat {
            bytes.insert(UInt8(rest & 0xFF), at: 0)
            rest >>= 8
        } while rest > 0
        return element(id, bytes)
    }

    static func element(_ id: [UInt8], float value: Double) -> [UInt8] {
        element(id, (0..<8).reversed().map { UInt8(value.bitPattern >> (8 * UInt64($0)) & 0xFF) })
    }

    static func element(_ id: [UInt8], text: String) -> [UInt8] { element(id, Array(text.utf8)) }

    /// The shortest EBML size field for `count` (all-ones is reserved for "unknown").
    static func size(_ count: Int) -> [UInt8] {
        var length = 1
        while length < 8 && UInt64(count) >= (UInt64(1) << (7 * UInt64(length))) - 1 { length += 1 }
        let marked = UInt64(count) | (UInt64(1) << (7 * UInt64(length)))
        return (0..<length).reversed().map { UInt8(marked >> (8 * UInt64($0)) & 0xFF) }
    }

    static let ebml: [UInt8] = [0x1A, 0x45, 0xDF, 0xA3]
    static let segment: [UInt8] = [0x18, 0x53, 0x80, 0x67]
    static let info: [UInt8] = [0x15, 0x49, 0xA9, 0x66]
    static let tracks: [UInt8] = [0x16, 0x54, 0xAE, 0x6B]
    static let cluster: [UInt8] = [0x1F, 0x43, 0xB6, 0x75]

    static func header() -> [UInt8] {
        element(
            ebml,
            element([0x42, 0x86], unsigned: 1)  // EBMLVersion
                + element([0x42, 0xF7], unsigned: 1)  // EBMLReadVersion
                + element([0x42, 0xF2], unsigned: 4)  // EBMLMaxIDLength
                + element([0x42, 0xF3], unsigned: 8)  // EBMLMaxSizeLength
                + element([0x42, 0x82], text: "webm")  // DocType
                + element([0x42, 0x87], unsigned: 4)  // DocTypeVersion
                + element([0x42, 0x85], unsigned: 2))  // DocTypeReadVersion
    }

    /// A file with one track whose frames are all key frames, `step` milliseconds apart.
    static func file(trackEntry: [UInt8], frames: [[UInt8]], step: Int) -> [UInt8] {
        let segmentInfo = element(
            info,
            element([0x2A, 0xD7, 0xB1], unsigned: 1_000_000)  // TimecodeScale: milliseconds
                + element([0x4D, 0x80], text: "conduit sandbox")  // MuxingApp
                + element([0x57, 0x41], text: "conduit sandbox")  // WritingApp
                + element([0x44, 0x89], float: Double(frames.count * step)))  // Duration
        var blocks = element([0xE7], unsigned: 0)  // cluster Timecode
        for (index, frame) in frames.enumerated() {
            let timecode = UInt16(index * step)
            // Track 1, timecode relative to the cluster, key-frame flag.
            blocks += element([0xA3], [0x81] + SandboxMedia.bigEndian(timecode) + [0x80] + frame)
        }
        let body = segmentInfo + element(tracks, element([0xAE], trackEntry)) + element(cluster, blocks)
        return header() + element(segment, body)
    }

    static func opusFile() -> [UInt8] {
        // OpusHead: version 1, one channel, 312 samples pre-skip, 48 kHz input, no gain, mapping family 0.
        let opusHead = Array("OpusHead".utf8) + [1, 1] + SandboxMedia.littleEndian(UInt16(312))
            + SandboxMedia.littleEndian(UInt32(48000)) + [0, 0, 0]
        let entry = element([0xD7], unsigned: 1)  // TrackNumber
            + element([0x73, 0xC5], unsigned: 1)  // TrackUID
            + element([0x83], unsigned: 2)  // TrackType: audio
            + element([0x86], text: "A_OPUS")  // CodecID
            + element([0x63, 0xA2], opusHead)  // CodecPrivate
            + element([0x56, 0xAA], unsigned: 6_500_000)  // CodecDelay (ns)
            + element([0x56, 0xBB], unsigned: 80_000_000)  // SeekPreRoll (ns)
            + element([0xE1], element([0xB5], float: 48000) + element([0x9F], unsigned: 1))  // Audio
        // A 20 ms CELT-only full-band frame that decodes to silence.
        let silence: [UInt8] = [0xF8, 0xFF, 0xFE]
        return file(trackEntry: entry, frames: Array(repeating: silence, count: 25), step: 20)
    }

    /// A VP8 key frame of a flat 16×16 picture (sandbox blue), as an encoder produced it.
    /// The container around it is built here; the 56 bytes of codec data are kept as
    /// they are because a VP8 key frame needs the format's probability tables to write.
    static let vp8KeyFrame: [UInt8] = [
        0xB0, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x10, 0x00, 0x10, 0x00, 0x00, 0x47, 0x08, 0x85, 0x85, 0x88,
        0x85, 0x84, 0x88, 0x02, 0x02, 0x02, 0x75, 0xAA, 0x03, 0xF8, 0x02, 0x0C, 0xFE, 0xE0, 0x00, 0xFE,
        0xF1, 0x95, 0x8F, 0xFD, 0xCE, 0x07, 0xB3, 0x81, 0xEC, 0xE0, 0x7F, 0x1D, 0x7F, 0xFE, 0x60, 0x07,
        0xCC, 0x00, 0xF9, 0x80, 0x1F, 0xF2, 0xE3, 0x80,
    ]

    static func vp8File() -> [UInt8] {
        let entry = element([0xD7], unsigned: 1)
            + element([0x73, 0xC5], unsigned: 1)
            + element([0x83], unsigned: 1)  // TrackType: video
            + element([0x86], text: "V_VP8")
            + element([0xE0], element([0xB0], unsigned: 16) + element([0xBA], unsigned: 16))  // Video: 16×16
        return file(trackEntry: entry, frames: Array(repeating: vp8KeyFrame, count: 4), step: 250)
    }
}

/// An MP4 (ISO base media) file with one H.264 video track whose pictures are coded as
/// I_PCM macroblocks: raw samples, so no entropy tables are needed to write them.
enum MP4Writer {
    static let width = 16
    static let height = 16
    static let frameCount = 4
    /// Milliseconds per frame (the media timescale is 1000).
    static let frameDuration = 250

    static func videoFile() -> [UInt8] {
        let sps = H264Writer.sequenceParameterSet(widthInMacroblocks: width / 16, heightInMacroblocks: height / 16)
        let pps = H264Writer.pictureParameterSet()
        let samples = (0..<frameCount).map { index -> [UInt8] in
            let slice = H264Writer.idrSlice(frame: index, macroblocks: (width / 16) * (height / 16))
            return SandboxMedia.bigEndian(UInt32(slice.count)) + slice
        }
        let fileType = box("ftyp", Array("isom".utf8) + SandboxMedia.bigEndian(UInt32(512)) + Array("isomiso2avc1mp41".utf8))
        // The chunk offset is where the samples start: after ftyp, moov and mdat's own header.
        let placeholder = movie(sps: sps, pps: pps, samples: samples, chunkOffset: 0)
        let offset = UInt32(fileType.count + placeholder.count + 8)
        let moov = movie(sps: sps, pps: pps, samples: samples, chunkOffset: offset)
        return fileType + moov + box("mdat", samples.flatMap { $0 })
    }

    static func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        SandboxMedia.bigEndian(UInt32(8 + payload.count)) + Array(type.utf8) + payload
    }

    static func fullBox(_ type: String, version: UInt8 = 0, flags: UInt32 = 0, _ payload: [UInt8]) -> [UInt8] {
        box(type, [version, UInt8(flags >> 16 & 0xFF), UInt8(flags >> 8 & 0xFF), UInt8(flags & 0xFF)] + payload)
    }

    static let identityMatrix: [UInt8] = [0x0001_0000, 0, 0, 0, 0x0001_0000, 0, 0, 0, 0x4000_0000].flatMap { SandboxMedia.bigEndian(UInt32($0)) }

    static func u32(_ value: Int) -> [UInt8] { SandboxMedia.bigEndian(UInt32(value)) }
    static func u16(_ value: Int) -> [UInt8] { SandboxMedia.bigEndian(UInt16(value)) }

    static func movie(sps: [UInt8], pps: [UInt8], samples: [[UInt8]], chunkOffset: UInt32) -> [UInt8] {
        let duration = samples.count * frameDuration
        let header = fullBox(
            "mvhd",
            u32(0) + u32(0) + u32(1000) + u32(duration) + u32(0x0001_0000) + u16(0x0100) + [UInt8](repeating: 0, count: 10)
                + identityMatrix + [UInt8](repeating: 0, count: 24) + u32(2))
        let trackHeader = fullBox(
            "tkhd", flags: 3,
            u32(0) + u32(0) + u32(1) + u32(0) + u32(duration) + [UInt8](repeating: 0, count: 8) + u16(0) + u16(0) + u16(0) + u16(0)
                + identityMatrix + u32(width << 16) + u32(height << 16))
        let mediaHeader = fullBox("mdhd", u32(0) + u32(0) + u32(1000) + u32(duration) + u16(0x55C4) + u16(0))  // language "und"
        let handler = fullBox("hdlr", u32(0) + Array("vide".utf8) + [UInt8](repeating: 0, count: 12) + Array("VideoHandler".utf8) + [0])
        let decoderConfiguration = box(
            "avcC",
            [1, sps[1], sps[2], sps[3], 0xFF, 0xE1] + u16(sps.count) + sps + [1] + u16(pps.count) + pps)
        var compressor = [UInt8](repeating: 0, count: 32)
        let name = Array("conduit sandbox".utf8)
        compressor[0] = UInt8(name.count)
        compressor.replaceSubrange(1...name.count, with: name)
        let sampleEntry = box(
            "avc1",
            [UInt8](repeating: 0, count: 6) + u16(1) + u16(0) + u16(0) + [UInt8](repeating: 0, count: 12) + u16(width) + u16(height)
                + u32(0x0048_0000) + u32(0x0048_0000) + u32(0) + u16(1) + compressor + u16(0x0018) + u16(0xFFFF) + decoderConfiguration)
        let sampleTable = box(
            "stbl",
            fullBox("stsd", u32(1) + sampleEntry)
                + fullBox("stts", u32(1) + u32(samples.count) + u32(frameDuration))
                + fullBox("stsc", u32(1) + u32(1) + u32(samples.count) + u32(1))
                + fullBox("stsz", u32(0) + u32(samples.count) + samples.flatMap { u32($0.count) })
                + fullBox("stco", u32(1) + SandboxMedia.bigEndian(chunkOffset)))
        let mediaInformation = box(
            "minf",
            fullBox("vmhd", flags: 1, u16(0) + u16(0) + u16(0) + u16(0))
                + box("dinf", fullBox("dref", u32(1) + fullBox("url ", flags: 1, [])))
                + sampleTable)
        let track = box("trak", trackHeader + box("mdia", mediaHeader + handler + mediaInformation))
        return box("moov", header + track)
    }
}

/// The three NAL units of an intra-only H.264 stream.
enum H264Writer {
    /// Bits written most significant first, with Exp-Golomb codes.
    struct BitWriter {
        var bytes: [UInt8] = []
        var bitCount = 0

        mutating func bit(_ value: Int) {
            if bitCount % 8 == 0 { bytes.append(0) }
            if value != 0 { bytes[bytes.count - 1] |= UInt8(0x80 >> (bitCount % 8)) }
            bitCount += 1
        }

        mutating func bits(_ value: Int, _ count: Int) {
            for shift in stride(from: count - 1, through: 0, by: -1) { bit((value >> shift) & 1) }
        }

        /// ue(v): unsigned Exp-Golomb.
        mutating func unsigned(_ value: Int) {
            let coded = value + 1
            let length = Int.bitWidth - coded.leadingZeroBitCount
            bits(0, length - 1)
            bits(coded, length)
        }

        /// se(v): signed Exp-Golomb.
        mutating func signed(_ value: Int) {
            unsigned(value > 0 ? 2 * value - 1 : -2 * value)
        }

        mutating func alignWithZeros() {
            while bitCount % 8 != 0 { bit(0) }
        }

        /// rbsp_trailing_bits: a stop bit, then zeros to the byte boundary.
        mutating func trailingBits() {
            bit(1)
            alignWithZeros()
        }
    }

    /// A NAL unit: header byte, then the payload with emulation prevention bytes inserted.
    static func nal(_ header: UInt8, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [header]
        var zeros = 0
        for byte in payload {
            if zeros >= 2 && byte <= 3 {
                out.append(3)
                zeros = 0
            }
            out.append(byte)
            zeros = byte == 0 ? zeros + 1 : 0
        }
        return out
    }

    static func sequenceParameterSet(widthInMacroblocks: Int, heightInMacroblocks: Int) -> [UInt8] {
        var writer = BitWriter()
        writer.bits(66, 8)  // profile_idc: Baseline
        writer.bits(0xC0, 8)  // constraint_set0 and set1: Constrained Baseline
        writer.bits(10, 8)  // level_idc 1.0
        writer.unsigned(0)  // seq_parameter_set_id
        writer.unsigned(0)  // log2_max_frame_num_minus4
        writer.unsigned(2)  // pic_order_cnt_type: output order = decoding order
        writer.unsigned(1)  // max_num_ref_frames
        writer.bit(0)  // gaps_in_frame_num_value_allowed_flag
        writer.unsigned(widthInMacroblocks - 1)
        writer.unsigned(heightInMacroblocks - 1)
        writer.bit(1)  // frame_mbs_only_flag
        writer.bit(1)  // direct_8x8_inference_flag
        writer.bit(0)  // frame_cropping_flag
        writer.bit(0)  // vui_parameters_present_flag
        writer.trailingBits()
        return nal(0x67, writer.bytes)
    }

    static func pictureParameterSet() -> [UInt8] {
        var writer = BitWriter()
        writer.unsigned(0)  // pic_parameter_set_id
        writer.unsigned(0)  // seq_parameter_set_id
        writer.bit(0)  // entropy_coding_mode_flag: CAVLC
        writer.bit(0)  // bottom_field_pic_order_in_frame_present_flag
        writer.unsigned(0)  // num_slice_groups_minus1
        writer.unsigned(0)  // num_ref_idx_l0_default_active_minus1
        writer.unsigned(0)  // num_ref_idx_l1_default_active_minus1
        writer.bit(0)  // weighted_pred_flag
        writer.bits(0, 2)  // weighted_bipred_idc
        writer.signed(0)  // pic_init_qp_minus26
        writer.signed(0)  // pic_init_qs_minus26
        writer.signed(0)  // chroma_qp_index_offset
        writer.bit(1)  // deblocking_filter_control_present_flag
        writer.bit(0)  // constrained_intra_pred_flag
        writer.bit(0)  // redundant_pic_cnt_present_flag
        writer.trailingBits()
        return nal(0x68, writer.bytes)
    }

    /// An IDR picture whose macroblocks carry raw samples: a diagonal gradient whose
    /// brightness moves with `frame`, over a steady blue-ish chroma.
    static func idrSlice(frame: Int, macroblocks: Int) -> [UInt8] {
        var writer = BitWriter()
        writer.unsigned(0)  // first_mb_in_slice
        writer.unsigned(7)  // slice_type: I (all slices of the picture)
        writer.unsigned(0)  // pic_parameter_set_id
        writer.bits(0, 4)  // frame_num
        writer.unsigned(frame % 2)  // idr_pic_id: consecutive IDR pictures differ
        writer.bit(0)  // no_output_of_prior_pics_flag
        writer.bit(0)  // long_term_reference_flag
        writer.signed(0)  // slice_qp_delta
        writer.unsigned(1)  // disable_deblocking_filter_idc: off
        for _ in 0..<macroblocks {
            writer.unsigned(25)  // mb_type: I_PCM
            writer.alignWithZeros()  // pcm_alignment_zero_bit
            for row in 0..<16 {
                for column in 0..<16 { writer.bits(40 + (row + column) * 4 + frame * 12, 8) }
            }
            for _ in 0..<64 { writer.bits(160, 8) }  // Cb
            for _ in 0..<64 { writer.bits(100, 8) }  // Cr
        }
        writer.trailingBits()
        return nal(0x65, writer.bytes)
    }
}
