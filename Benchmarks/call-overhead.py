#!/usr/bin/env python3
"""What one tools/call costs on top of the HTTP request it makes.

A local HTTP server (standard library) stands in for Chorus and answers
GET /api/v1/users/me with a small JSON:API document. In the same run this script
times N requests made directly (http.client, one kept-alive connection) and N
`tools/call list_all_chorus_me` through one `conduit serve` process over stdio,
each from sending the request to reading the whole answer, and prints the median
and p90 of each and the median overhead.

Usage: Benchmarks/call-overhead.py [--binary PATH] [--calls 200]
Build first: swift build -c release
"""
import argparse, http.client, http.server, json, os, socket, socketserver, statistics, subprocess, sys, threading, time

BODY = json.dumps({"data": {"type": "user", "id": "u-1", "attributes": {"name": "Ana", "email": "ana@example.com"}}}).encode()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and
        # delayed ACKs add 40 ms to every response and swamp what is being measured.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.api+json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(here, "..", ".build", "release", "conduit"))
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"{binary} not found; build it with: swift build -c release")

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    connection = http.client.HTTPConnection("127.0.0.1", port)
    direct = []
    for _ in range(args.calls):
        start = time.perf_counter()
        connection.request("GET", "/api/v1/users/me", headers={"Authorization": "bench-token", "Accept": "application/json"})
        connection.getresponse().read()
        direct.append(time.perf_counter() - start)
    connection.close()

    account = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"conduit-overhead-{os.getpid()}.json")
    with open(account, "w") as f:
        json.dump({"integration": "chorus", "base_url": f"http://127.0.0.1:{port}", "credentials": {"api_token": "bench-token"}}, f)
    proc = subprocess.Popen([binary, "serve", "--account", account], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        def send(message):
            proc.stdin.write((json.dumps(message) + "\n").encode())
            proc.stdin.flush()

        send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
              "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}})
        proc.stdout.readline()
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        through = []
        for i in range(1, args.calls + 1):
            start = time.perf_counter()
            send({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "list_all_chorus_me", "arguments": {}}})
            answer = json.loads(proc.stdout.readline())
            through.append(time.perf_counter() - start)
            if answer.get("result", {}).get("isError") or "error" in answer:
                sys.exit(f"call {i} failed: {answer}")
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
        os.unlink(account)
        server.shutdown()

    ms = lambda seconds: seconds * 1000
    print(f"{'path':<28} {'median ms':>10} {'p90 ms':>8}  (n={args.calls})")
    print(f"{'direct HTTP (http.client)':<28} {ms(statistics.median(direct)):>10.3f} {ms(percentile(direct, 0.9)):>8.3f}")
    print(f"{'tools/call through conduit':<28} {ms(statistics.median(through)):>10.3f} {ms(percentile(through, 0.9)):>8.3f}")
    print(f"overhead of one tools/call (median): {ms(statistics.median(through) - statistics.median(direct)):.3f} ms")


if __name__ == "__main__":
    main()
