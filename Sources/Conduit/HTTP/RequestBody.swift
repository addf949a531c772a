#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a request sends after its head: bytes in memory, a stretch of a file read as it
/// is sent, or pieces of either one after another (a multipart form with a file in it).
/// A file is never loaded whole: it is read in chunks while the request goes out, and
/// read again from the start if the request has to be sent again (a 307 or 308 redirect).
package enum RequestBody: Sendable, Equatable {
    case bytes([UInt8])
    /// `length` bytes of the file at `path`, from `offset`.
    case file(path: String, offset: Int64, length: Int64)
    /// The pieces in order, as one body.
    case parts([RequestBody])

    /// A whole file, sized now; fails with `local_file` when it cannot be read.
    package static func file(at path: String) throws(TransportError) -> RequestBody {
        var facts = stat()
        guard stat(path, &facts) == 0 else {
            throw TransportError(.localFile, "could not read the upload \(path): \(String(cString: strerror(errno)))")
        }
        guard (facts.st_mode & S_IFMT) == S_IFREG else { throw TransportError(.localFile, "the upload \(path) is not a file") }
        return .file(path: path, offset: 0, length: Int64(facts.st_size))
    }

    /// How many bytes go on the wire.
    package var count: Int64 {
        switch self {
        case .bytes(let bytes): Int64(bytes.count)
        case .file(_, _, let length): length
        case .parts(let parts): parts.reduce(0) { $0 + $1.count }
        }
    }

    /// The bytes when the whole body is in memory.
    package var bytes: [UInt8]? {
        if case .bytes(let bytes) = self { return bytes }
        return nil
    }

    /// True when some of the body is read from a file as it is sent (an upload).
    package var readsFile: Bool {
        pieces.contains { if case .file = $0 { true } else { false } }
    }

    /// The body as a list of plain pieces (nested parts flattened, empty pieces dropped).
    var pieces: [RequestBody] {
        switch self {
        case .parts(let parts): parts.flatMap(\.pieces)
        default: count > 0 ? [self] : []
        }
    }
}

/// One field of a `multipart/form-data` body: a text value, or a file sent as it is read.
package struct FormPart: Sendable, Equatable {
    package var name: String
    package var content: RequestBody
    /// The file name and type announced for a file part; nil for a plain field.
    package var filename: String?
    package var contentType: String?

    package init(name: String, value: String) {
        self.name = name
        content = .bytes(Array(value.utf8))
    }

    package init(name: String, file: RequestBody, filename: String, contentType: String = "application/octet-stream") {
        self.name = name
        content = file
        self.filename = filename
        self.contentType = contentType
    }
}

extension RequestBody {
    /// A `multipart/form-data` body of `parts` with `boundary`; files stay files, so a
    /// large upload streams like a plain file body. Send it with
    /// `Content-Type: multipart/form-data; boundary=<boundary>`.
    package static func multipart(_ parts: [FormPart], boundary: String) -> RequestBody {
        /// Quotes and line breaks cannot end a quoted name early.
        func quoted(_ text: String) -> String {
            "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "%22").replacing("\r", with: "%0D").replacing("\n", with: "%0A") + "\""
        }
        var pieces: [RequestBody] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\(quoted(part.name))"
            if let filename = part.filename { head += "; filename=\(quoted(filename))" }
            head += "\r\n"
            if let type = part.contentType { head += "Content-Type: \(type)\r\n" }
            head += "\r\n"
            pieces.append(.bytes(Array(head.utf8)))
            pieces.append(part.content)
            pieces.append(.bytes(Array("\r\n".utf8)))
        }
        pieces.append(.bytes(Array("--\(boundary)--\r\n".utf8)))
        return .parts(pieces)
    }
}

/// Hands a body to the engine chunk by chunk, from any position (libcurl seeks back to
/// the start when it sends the request again). Lives on one worker thread for one hop;
/// files are opened when first read and closed when the reader goes.
final class BodyReader {
    private let pieces: [RequestBody]
    /// Where each piece starts in the whole body.
    private let starts: [Int64]
    let count: Int64
    private(set) var position: Int64 = 0
    private var descriptors: [Int: Int32] = [:]
    /// Why reading stopped, when a file could not be read.
    private(set) var failure: TransportError?

    init(_ body: RequestBody) {
        pieces = body.pieces
        var starts: [Int64] = []
        var total: Int64 = 0
        for piece in pieces {
            starts.append(total)
            total += piece.count
        }
        self.starts = starts
        count = total
    }

    deinit {
        for descriptor in descriptors.values { close(descriptor) }
    }

    /// Moves to `offset` in the whole body; false when it lies outside.
    func seek(to offset: Int64) -> Bool {
        guard offset >= 0, offset <= count else { return false }
        position = offset
        return true
    }

    /// Fills `buffer` from the current position: the number of bytes, 0 at the end, nil
    /// when a file could not be read (see `failure`).
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        var filled = 0
        while filled < buffer.count, position < count {
            // The piece holding `position`: the last one starting at or before it.
            var index = pieces.count - 1
            while index > 0, starts[index] > position { index -= 1 }
            let inside = position - starts[index]
            let wanted = Int(min(Int64(buffer.count - filled), pieces[index].count - inside))
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + wanted])
            switch pieces[index] {
            case .bytes(let bytes):
                bytes.withUnsafeBytes { source in
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[Int(inside)..<Int(inside) + wanted]))
                }
                advance(by: wanted, &filled)
            case .file(let path, let offset, _):
                guard let descriptor = descriptor(index, path) else { return nil }
                let got = pread(descriptor, target.baseAddress, wanted, off_t(offset + inside))
                if got < 0, errno == EINTR { continue }
                guard got > 0 else {
                    let reason = got == 0 ? "it is shorter than when the request began" : String(cString: strerror(errno))
                    failure = TransportError(.localFile, "could not read the upload \(path): \(reason)")
                    return nil
                }
                advance(by: got, &filled)
            case .parts:
                return nil  // flattened away in init
            }
        }
        return filled
    }

    private func advance(by count: Int, _ filled: inout Int) {
        filled += count
        position += Int64(count)
    }

    private func descriptor(_ index: Int, _ path: String) -> Int32? {
        if let open = descriptors[index] { return open }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            failure = TransportError(.localFile, "could not read the upload \(path): \(String(cString: strerror(errno)))")
            return nil
        }
        descriptors[index] = descriptor
        return descriptor
    }
}
