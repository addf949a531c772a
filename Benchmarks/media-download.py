#!/usr/bin/env python3
"""Download throughput and memory of conduit's media streaming, against curl in the same run.

A local HTTP server (this script, standard library only) stands in for Chorus and
serves a recording of the requested size as audio/webm. For each size it downloads:
  - with `curl -o` into the same folder, and
  - through `conduit serve` over stdio: `get_single_chorus_media_by_id` with
    info=false, timed from the tools/call request to its response,
and prints the median time of each, the throughput ratio (conduit / curl), and
conduit's peak RSS (VmHWM) after the download. It checks the saved file's size and
SHA-256 against what was served.

Usage: Benchmarks/media-download.py [--binary PATH] [--sizes 50,500] [--runs 3]
Build first: swift build -c release
Targets (issue 5): ratio >= 0.9; peak RSS <= 64 MB and flat from 50 MB to 500 MB.
"""
import argparse, hashlib, http.server, json, os, shutil, socketserver, statistics, subprocess, sys, tempfile, threading, time

CHUNK = bytes(range(256)) * 4096  # 1 MiB, deterministic


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def make_handler(size):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.headers.get("Authorization") != "bench-token":
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "audio/webm")
            self.send_header("Content-Length", str(size))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            view = memoryview(CHUNK)
            left = size
            while left > 0:
                part = view[: min(left, len(CHUNK))]
                self.wfile.write(part)
                left -= len(part)

    return Handler


def expected_sha256(size):
    digest = hashlib.sha256()
    left = size
    while left > 0:
        part = CHUNK[: min(left, len(CHUNK))]
        digest.update(part)
        left -= len(part)
    return digest.hexdigest()


def curl_once(url, folder):
    target = os.path.join(folder, "curl.webm")
    start = time.perf_counter()
    subprocess.run(["curl", "-s", "-f", "-H", "Authorization: bench-token", "-o", target, url], check=True)
    elapsed = time.perf_counter() - start
    os.unlink(target)
    return elapsed


def conduit_once(binary, account, size):
    proc = subprocess.Popen([binary, "serve", "--account", account], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def send(message):
        proc.stdin.write((json.dumps(message) + "\n").encode())
        proc.stdin.flush()

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
          "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
    proc.stdout.readline()
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    start = time.perf_counter()
    send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
          "params": {"name": "get_single_chorus_media_by_id", "arguments": {"id": "bench", "info": False}}})
    line = proc.stdout.readline()
    elapsed = time.perf_counter() - start
    rss = None
    with open(f"/proc/{proc.pid}/status") as f:
        for row in f:
            if row.startswith("VmHWM:"):
                rss = int(row.split()[1]) / 1024
    proc.stdin.close()
    proc.wait(timeout=10)
    result = json.loads(line)["result"]
    if result.get("isError"):
        sys.exit(f"conduit reported an error: {result['content'][0]['text']}")
    facts = result["structuredContent"]
    return elapsed, rss, facts


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(here, "..", ".build", "release", "conduit"))
    parser.add_argument("--sizes", default="50,500", help="sizes in MB (10^6 bytes), comma-separated")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} not found; build it with: swift build -c release")

    folder = tempfile.mkdtemp(prefix="conduit-bench-")
    try:
        print(f"{'size':>8} {'curl s':>8} {'conduit s':>10} {'curl MB/s':>10} {'conduit MB/s':>13} {'ratio':>6} {'peak RSS MB':>12}")
        for size_mb in [int(s) for s in args.sizes.split(",")]:
            size = size_mb * 1_000_000
            server = Server(("127.0.0.1", 0), make_handler(size))
            threading.Thread(target=server.serve_forever, daemon=True).start()
            base = f"http://127.0.0.1:{server.server_address[1]}"
            account = os.path.join(folder, "account.json")
            with open(account, "w") as f:
                json.dump({"integration": "chorus", "base_url": base, "credentials": {"api_token": "bench-token"},
                           "files": {"directory": os.path.join(folder, "files"), "max_bytes": 10**10}}, f)
            want = expected_sha256(size)
            curl_times, conduit_times, peaks = [], [], []
            for _ in range(args.runs):
                curl_times.append(curl_once(f"{base}/api/v1/conversations/bench/media", folder))
                elapsed, rss, facts = conduit_once(binary, account, size)
                if facts["size"] != size or facts["sha256"] != want:
                    sys.exit(f"conduit saved {facts['size']} bytes with sha256 {facts['sha256']}; expected {size} / {want}")
                os.unlink(facts["path"])
                conduit_times.append(elapsed)
                peaks.append(rss)
            server.shutdown()
            server.server_close()
            curl_s, conduit_s = statistics.median(curl_times), statistics.median(conduit_times)
            print(f"{size_mb:>6}MB {curl_s:>8.3f} {conduit_s:>10.3f} {size_mb / curl_s:>10.0f} {size_mb / conduit_s:>13.0f} "
                  f"{curl_s / conduit_s:>6.2f} {max(peaks):>12.1f}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
