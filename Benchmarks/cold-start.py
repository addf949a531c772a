#!/usr/bin/env python3
"""Cold start and memory of `conduit serve`, measured from outside like a client sees it.

Prints, for the binary given (default: the release build):
  - spawn → initialize response, median/p90 of N runs (handshake era)
  - spawn → server/discover response, median/p90 of N runs (2026-07-28 era)
  - peak RSS (VmHWM) after initialize + tools/list, per bundled catalog, and the
    size of the tools/list response

Usage: Benchmarks/cold-start.py [--binary PATH] [--runs N]
Build first: swift build -c release
Standard library only; no network (the account points at a closed local port).
"""
import argparse, json, os, statistics, subprocess, tempfile, time

def account(tmp, integration):
    creds = {"chorus": {"api_token": "x"}, "gong": {"access_key": "a", "access_key_secret": "b"},
             "coviu": {"client_id": "a", "client_secret": "b"}}[integration]
    path = os.path.join(tmp, f"{integration}.json")
    with open(path, "w") as f:
        json.dump({"integration": integration, "base_url": "http://127.0.0.1:9", "credentials": creds}, f)
    return path

def exchange(binary, acct, lines, read_count):
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "serve", "--account", acct], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for line in lines:
        proc.stdin.write((json.dumps(line) + "\n").encode())
    proc.stdin.flush()
    first = None
    sizes = []
    for i in range(read_count):
        out = proc.stdout.readline()
        if i == 0:
            first = time.perf_counter() - start
        sizes.append(len(out))
    rss = None
    with open(f"/proc/{proc.pid}/status") as f:
        for row in f:
            if row.startswith("VmHWM:"):
                rss = int(row.split()[1]) / 1024
    proc.stdin.close()
    proc.wait(timeout=10)
    return first, rss, sizes

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(here, "..", ".build", "release", "conduit"))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    discover = {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}}
    tools = {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}
    with tempfile.TemporaryDirectory() as tmp:
        chorus = account(tmp, "chorus")
        for label, message in (("initialize", init), ("server/discover", discover)):
            times = sorted(exchange(args.binary, chorus, [message], 1)[0] * 1000 for _ in range(args.runs))
            print(f"cold start to {label:16s} median {statistics.median(times):6.2f} ms   p90 {times[int(len(times) * 0.9) - 1]:6.2f} ms   ({args.runs} runs)")
        for integration in ("chorus", "gong", "coviu"):
            _, rss, sizes = exchange(args.binary, account(tmp, integration), [init, tools], 2)
            print(f"{integration:7s} peak RSS after tools/list {rss:6.1f} MB   tools/list response {sizes[1] / 1024:7.1f} KB")

if __name__ == "__main__":
    main()
