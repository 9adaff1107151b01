"""Real logrotate under load against `vigil ingest --follow`, for the rotation tests.

An application appends JSON lines (unique request ids, O_APPEND, reopening after a rename as
applications do when told to) while logrotate rotates the file every 0.7 s in the mode asked for.
When the writer stops and Vigil has caught up, every line found on disk (the live file, the
rotated ones, the compressed ones) is compared with what Vigil stored. Prints one JSON object:
written, rotations, on_disk, rows, distinct, dups (rows stored twice) and missing (lines on disk
that were not stored). Lines that logrotate itself lost with copytruncate (written between its
copy and its truncation) are on no disk; Vigil may have read them, which counts as `extra`.

usage: rotation_stress.py VIGIL DIR MODE SECONDS
MODE: copytruncate | copytruncate-compress | compress | create | create-delaycompress
"""
import glob, gzip, json, os, signal, sqlite3, subprocess, sys, threading, time

vigil, d, mode, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
os.makedirs(d, exist_ok=True)
log = os.path.join(d, "app.log")
options = {
    "copytruncate": "copytruncate",
    "copytruncate-compress": "copytruncate\n  compress",
    "compress": "create\n  compress",
    "create": "create",
    "create-delaycompress": "create\n  compress\n  delaycompress",
}[mode]
conf = os.path.join(d, "logrotate.conf")
with open(conf, "w") as f:
    f.write(f"{log} {{\n  rotate 50\n  {options}\n  missingok\n}}\n")
open(log, "w").close()
db = os.path.join(d, "v.db")
err = open(os.path.join(d, "vigil.err"), "w")
follower = subprocess.Popen(
    [vigil, "ingest", "--follow", "--poll-interval", "100", "--db", db, log + "*"], stdout=err, stderr=err)
written = 0


def writer():
    global written
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    start = time.time()
    while time.time() - start < seconds:
        lines = []
        for _ in range(500):
            written += 1
            lines.append(json.dumps({"ts": 1795613524 + written // 1000, "status": 200, "provider": "openai",
                                     "model": "m", "request_id": f"r{written}"}) + "\n")
        try:
            if os.fstat(fd).st_ino != os.stat(log).st_ino:
                raise FileNotFoundError
        except FileNotFoundError:
            os.close(fd)
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        os.write(fd, "".join(lines).encode())
        time.sleep(0.005)
    os.close(fd)


thread = threading.Thread(target=writer)
thread.start()
rotations = 0
while thread.is_alive():
    time.sleep(0.7)
    subprocess.run(["logrotate", "-f", "-s", os.path.join(d, "logrotate.state"), conf], check=True)
    rotations += 1
thread.join()

on_disk = set()
for path in glob.glob(log + "*"):
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        for line in f:
            try:
                on_disk.add(json.loads(line)["request_id"])
            except ValueError:
                pass
last = -1
for _ in range(300):
    time.sleep(0.3)
    n = sqlite3.connect(db).execute("SELECT count(*) FROM calls").fetchone()[0]
    if n == last and n >= len(on_disk):
        break
    last = n
follower.send_signal(signal.SIGTERM)
follower.wait()
con = sqlite3.connect(db)
rows = con.execute("SELECT count(*) FROM calls").fetchone()[0]
stored = set(r[0] for r in con.execute("SELECT request_id FROM calls"))
print(json.dumps({"mode": mode, "written": written, "rotations": rotations, "on_disk": len(on_disk), "rows": rows,
                  "distinct": len(stored), "dups": rows - len(stored), "missing": len(on_disk - stored),
                  "extra": len(stored - on_disk), "vigil_status": follower.returncode}))
