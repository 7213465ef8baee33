#!/usr/bin/env python3
"""Writes layout-v1.db and layout-v1.json: a database of the emulator's first layout (user_version 1)
and what that emulator answered about it. Run once, with the emulator binary of that layout
(before the 2026-08-21 work), as `make-layout-v1.py BIN OUTDIR`; the files are committed so
the migration test can prove that a database of that layout opens and reads the same."""
import json, os, sqlite3, subprocess, sys, urllib.request

BIN, OUT = sys.argv[1], sys.argv[2]
DB = os.path.join(OUT, "layout-v1.db")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(DB + suffix):
        os.remove(DB + suffix)
K1 = "sk_live_LAYOUTv1layoutV1layout0001"
K2 = "sk_live_LAYOUTv1layoutV1layout0002"
p = subprocess.Popen([BIN, "--listen", "127.0.0.1:0", "--db", DB, "--api-key", K1],
                     stdout=subprocess.PIPE, text=True)
base = p.stdout.readline().strip().rsplit(" ", 1)[1]

def call(method, path, body=None, key=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if key:
        req.add_header("Authorization", "Bearer " + key)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{method} {path}: {e.code} {e.read()}")

try:
    call("POST", "/_emulator/clock", {"frozen": True})
    call("POST", "/_emulator/workspaces", {"api_key": K2, "tier": "free", "wallet_micros": 50_000_000})
    call("POST", "/v1/templates", {"name": "kept", "image_ref": "acme/kept:v1", "description": "kept one",
         "ports": [{"port": 3000, "default": True}, {"port": 4000}]}, K1)
    call("POST", "/v1/templates", {"name": "noports", "image_ref": "ghcr.io/acme/noports:2"}, K1)
    call("POST", "/v1/templates", {"name": "nodefault", "image_ref": "acme/nodefault:1", "ports": [{"port": 5000}]}, K1)
    call("POST", "/_emulator/system-templates/agent37-hermes", {"image_ref": "ghcr.io/agent37-platform/hermes:2026.07.01"})
    a = call("POST", "/v1/instances", {"name": "a", "metadata": {"z": 1, "a": 2},
             "budget": {"monthly_cap_micros": 900000, "topup_micros": 100000}}, K1)["id"]
    b = call("POST", "/v1/instances", {"template": "kept", "user": "u-b"}, K1)["id"]
    c = call("POST", "/v1/instances", {"resources": {"cpu": 4, "memory": 8}}, K1)["id"]
    call("POST", f"/v1/instances/{c}/stop", None, K1)
    d = call("POST", "/v1/instances", {}, K1)["id"]
    call("DELETE", f"/v1/instances/{d}", None, K1)
    e = call("POST", "/v1/instances", {"template": "agent37-openclaw", "resources": {"disk": 20}}, K1)["id"]
    f = call("POST", "/v1/instances", {"template": "noports"}, K1)["id"]
    call("PATCH", f"/_emulator/instances/{f}", {"status": "stopped", "past_due": True})
    g = call("POST", "/v1/instances", {"template": "nodefault"}, K1)["id"]
    call("PATCH", f"/_emulator/instances/{g}", {"status": "failed"})
    s = call("POST", "/v1/instances", {"template": "agent37-hermes-small", "name": "small"}, K2)["id"]
    call("POST", f"/v1/instances/{a}/budget/top-up", {"amount_micros": 5000, "idempotency_key": "once"}, K1)
    call("POST", f"/_emulator/instances/{a}/spend", {"service": "llm", "micros": 300, "input_tokens": 9, "output_tokens": 4})
    call("POST", f"/_emulator/instances/{a}/spend", {"service": "brave", "micros": 20})
    call("POST", "/_emulator/clock", {"advance_seconds": 86400 + 7200})
    ids = [a, b, c, d, e, f, g, s]
    month = call("GET", "/_emulator/clock")["month"]
    answers = {
        "base": base, "keys": [K1, K2], "ids": ids, "month": month,
        "instances": {K1: call("GET", "/v1/instances", key=K1), K2: call("GET", "/v1/instances", key=K2)},
        "templates": call("GET", "/v1/templates", key=K1),
        "workspaces": call("GET", "/_emulator/workspaces"),
        "clock": call("GET", "/_emulator/clock"),
        "control": {i: call("GET", f"/_emulator/instances/{i}") for i in ids},
        "budget": call("GET", f"/v1/instances/{a}/budget", key=K1),
        "usage": call("GET", f"/v1/instances/{a}/usage", key=K1),
    }
finally:
    p.kill()
    p.wait()
con = sqlite3.connect(DB)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.execute("PRAGMA journal_mode=DELETE")
con.execute("VACUUM")
con.close()
for suffix in ("-wal", "-shm"):
    if os.path.exists(DB + suffix):
        os.remove(DB + suffix)
with open(os.path.join(OUT, "layout-v1.json"), "w") as fh:
    json.dump(answers, fh, indent=1, sort_keys=False)
    fh.write("\n")
print("ok", base, len(ids))
