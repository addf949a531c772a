import CConduit
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

extension CurlEngine {
    /// The transport error for a libcurl result code (`CURLcode`), with the system error
    /// number for connection failures. The sentence never includes a credential: the URL
    /// carries none (auth travels in headers), and libcurl's own message is not quoted
    /// except for TLS and unknown failures, where it is all there is to say.
    static func error(curlCode code: Int32, osErrno: Int32, url: URL, received: Int64 = 0, expected: Int64? = nil) -> TransportError {
        let host = hostDescription(url)
        switch code {
        case CONDUIT_CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        case CONDUIT_CURLE_COULDNT_CONNECT:
            switch osErrno {
            case 0, ECONNREFUSED: return TransportError(.refused, "could not connect to \(host) (connection refused)")
            case ENETUNREACH, EHOSTUNREACH, ENETDOWN: return TransportError(.unreachable, "no network connection to reach \(host)")
            case ETIMEDOUT: return TransportError(.timeout, "could not connect to \(host) (the connection attempt timed out)")
            default: return TransportError(.failed, "could not connect to \(host) (\(String(cString: strerror(osErrno))))")
            }
        case CONDUIT_CURLE_COULDNT_RESOLVE_HOST:
            return TransportError(.dns, "could not resolve the host \(host)")
        case CONDUIT_CURLE_COULDNT_RESOLVE_PROXY:
            return TransportError(.proxy, "could not resolve the proxy host configured for \(host) (check the https_proxy / http_proxy environment)")
        case CONDUIT_CURLE_PROXY:
            return TransportError(
                .proxy, "the proxy configured for \(host) refused or failed the connection (check the https_proxy / http_proxy environment)")
        case CONDUIT_CURLE_OPERATION_TIMEDOUT:
            return TransportError(.timeout, "the request to \(host) timed out (no data for too long)")
        case CONDUIT_CURLE_SEND_ERROR, CONDUIT_CURLE_RECV_ERROR:
            return TransportError(.reset, "the connection to \(host) was reset before the response was complete")
        case CONDUIT_CURLE_PARTIAL_FILE:
            if let expected, expected > received {
                return TransportError(.truncated, "the response from \(host) ended after \(received) of \(expected) bytes (truncated)")
            }
            return TransportError(.truncated, "the connection to \(host) closed before the response was complete (the body was cut short)")
        case CONDUIT_CURLE_GOT_NOTHING:
            return TransportError(.reset, "the connection to \(host) closed before the response was complete (an empty reply)")
        case CONDUIT_CURLE_UNSUPPORTED_PROTOCOL, CONDUIT_CURLE_WEIRD_SERVER_REPLY:
            guard ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                return TransportError(.unsupportedAddress, "the address \(host) uses an unsupported scheme (only http and https)")
            }
            // What libcurl reports when the bytes that came back are not HTTP at all.
            return TransportError(.notHTTP, "\(host) answered with bytes that are not HTTP; check base_url (host, port, http vs https)")
        case CONDUIT_CURLE_URL_MALFORMAT:
            return TransportError(.unsupportedAddress, "the address for \(host) is not a valid URL")
        case CONDUIT_CURLE_TOO_MANY_REDIRECTS:
            return TransportError(.tooManyRedirects, "\(host) redirected too many times")
        case CONDUIT_CURLE_HTTP2, CONDUIT_CURLE_HTTP2_STREAM:
            return TransportError(.reset, "the HTTP/2 connection to \(host) failed before the response was complete")
        case CONDUIT_CURLE_BAD_CONTENT_ENCODING:
            return TransportError(.notHTTP, "\(host) sent a body in an encoding that could not be decoded")
        case CONDUIT_CURLE_PEER_FAILED_VERIFICATION:
            return TransportError(.tls, "the TLS connection to \(host) failed (its certificate could not be verified)")
        case CONDUIT_CURLE_SSL_CONNECT_ERROR, CONDUIT_CURLE_SSL_CERTPROBLEM, CONDUIT_CURLE_SSL_CIPHER, CONDUIT_CURLE_SSL_CACERT_BADFILE,
            51, 53, 54, 64, 66, 80, 82, 83, 90, 91, 98:
            return TransportError(.tls, "the TLS connection to \(host) failed (\(String(cString: conduit_curl_easy_strerror(code))))")
        case CONDUIT_CURLE_OUT_OF_MEMORY:
            return TransportError(.failed, "the request to \(host) failed: out of memory")
        default:
            return TransportError(.failed, "the request to \(host) failed (\(String(cString: conduit_curl_easy_strerror(code))), libcurl code \(code))")
        }
    }
}
