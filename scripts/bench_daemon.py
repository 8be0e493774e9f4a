"""Measures the daemon and the tray in one run (called by scripts/bench-daemon.sh).

Start to /healthz without and with the model warm-up; idle RSS and PSS of `tonny serve`, of
the tray with its window closed and open and after one spoken request (its speech worker
reported on its own), and of a bare Tauri app (tray only, and with one
400x300 window) built the same way; binary sizes; API latency (p50/p99) of history search on
100k transcriptions under 50 concurrent clients (wrk, 10 s), beside /healthz as the floor.
Usage: bench_daemon.py TARGET_DIR MODEL_DIR [debug|release]
"""
import json, os, random, re, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import binary_pss, free_port, memory, pct, shared_audio, stop, tree, wait_healthz  # noqa: E402
from bench_common import env_for as env_with_model  # noqa: E402

target, model = sys.argv[1], sys.argv[2]
profile = sys.argv[3] if len(sys.argv) > 3 else "debug"
built = os.path.join(target, profile)
tonny, tray, bare = (os.path.join(built, "tonny"), os.path.join(built, "tonny-tray"),
                     os.path.join(built, "examples", "bare_tray"))
def env_for(home, display=None):
    return env_with_model(home, model, display)


print(f"== profile: {profile} ({'as the test command builds: optimised dependencies, our crates unoptimised' if profile == 'debug' else 'cargo --release'})")


def serve(home, port, *extra):
    return subprocess.Popen([tonny, "serve", "--no-hotkeys", "--silent", "--port", str(port), *extra],
                            env=env_for(home), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


print("== start to /healthz (5 runs each; 2 cores)")
for label, extra in (("no warm-up", ()), ("with --warm-up (model loaded first)", ("--warm-up",))):
    times = []
    for _ in range(5):
        with tempfile.TemporaryDirectory() as home:
            port = free_port()
            t0 = time.monotonic()
            proc = serve(home, port, *extra)
            wait_healthz(port, proc)
            times.append((time.monotonic() - t0) * 1000)
            stop(proc)
    print(f"  {label}: p50 {pct(times, 50):.0f} ms, max {max(times):.0f} ms ({', '.join(f'{t:.0f}' for t in times)})")

print("== idle memory (3 s after start; process tree; PSS counts shared pages once)")
results = {}
with tempfile.TemporaryDirectory() as home:
    port = free_port()
    proc = serve(home, port)
    wait_healthz(port, proc)
    time.sleep(3)
    results["tonny serve"] = memory(tree(proc.pid))
    stop(proc)

xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
display = ":" + xvfb.stdout.readline().decode().strip()


def speak_once(home):
    """One spoken request through the tray's API (the shared timer recording), so the tray
    starts its speech worker and the figures include what hearing leaves behind."""
    data = os.path.join(home, "data")
    address = open(os.path.join(data, "api-address")).read().strip()
    token = open(os.path.join(data, "api-token")).read().strip()
    audio = os.path.join(shared_audio(), "timer.wav")
    req = urllib.request.Request(f"{address}api/v1/talk/upload", data=open(audio, "rb").read(),
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/octet-stream"})
    reply = json.load(urllib.request.urlopen(req, timeout=120))
    if "timer" not in reply.get("transcript", "").lower():
        raise SystemExit(f"the tray did not hear the timer request: {reply}")


workers = {}


def gui(label, argv, home, ready, settle, action=None):
    proc = subprocess.Popen(["dbus-run-session", "--", *argv], env=env_for(home, display),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    end = time.monotonic() + 90
    if ready:
        os.set_blocking(proc.stderr.fileno(), False)
        while ready.encode() not in seen and time.monotonic() < end:
            chunk = proc.stderr.read() or b""
            seen += chunk
            time.sleep(0.05)
        if ready.encode() not in seen:
            raise SystemExit(f"{label}: never printed {ready!r}: {seen.decode()[-2000:]}")
    if action:
        action(home)
    time.sleep(settle)
    # The app's own processes (not dbus-run-session and its bus); the speech worker (`tonny
    # stt-worker`, the model's process) is reported on its own.
    comm = lambda p: open(f"/proc/{p}/comm").read().strip()
    pids = [p for p in tree(proc.pid) if comm(p) not in ("dbus-run-sessio", "dbus-daemon")]
    results[label] = memory([p for p in pids if comm(p) != "tonny"])
    worker = [p for p in pids if comm(p) == "tonny"]
    if worker:
        workers[label] = memory(worker)
    stop(proc)


try:
    with tempfile.TemporaryDirectory() as home:
        gui("bare Tauri, tray only", [bare], home, None, 4)
        gui("bare Tauri, 400x300 window", [bare, "--window"], home, None, 6)
        gui("tonny-tray, window closed", [tray, "--port", str(free_port())], home, "tonny-tray: ready", 3)
        gui("tonny-tray, window open", [tray, "--port", str(free_port()), "--open"], home, "tonny-tray: window open", 6)
    with tempfile.TemporaryDirectory() as home:
        gui("tonny-tray, window closed, after one spoken request", [tray, "--port", str(free_port())],
            home, "tonny-tray: ready", 3, speak_once)
finally:
    xvfb.kill()
for label, (rss, pss, parts) in results.items():
    print(f"  {label}: RSS {rss:.0f} MB, PSS {pss:.0f} MB ({', '.join(parts)})")
    if label in workers:
        rss, pss, _ = workers[label]
        print(f"    + its speech worker (tonny stt-worker, the model): RSS {rss:.0f} MB, PSS {pss:.0f} MB")
b1, t1 = results["bare Tauri, tray only"][1], results["tonny-tray, window closed"][1]
b2, t2 = results["bare Tauri, 400x300 window"][1], results["tonny-tray, window open"][1]
print(f"  tray closed vs bare tray-only: +{t1 - b1:.0f} MB PSS (ratio {t1 / b1:.2f}; goal +30 MB)")
print(f"  tray open vs bare windowed: +{t2 - b2:.0f} MB PSS (ratio {t2 / b2:.2f}; goal +40 MB)")
t3 = results["tonny-tray, window closed, after one spoken request"][1]
print(f"  tray closed after hearing vs bare tray-only: +{t3 - b1:.0f} MB PSS besides the speech worker (ratio {t3 / b1:.2f}; goal +30 MB)")

print(f"== binary sizes ({profile} profile)")
for path in (tonny, tray, bare):
    stripped = tempfile.mktemp()
    subprocess.run(["strip", "-o", stripped, path], check=True)
    print(f"  {os.path.basename(path)}: {os.path.getsize(path) / 1e6:.0f} MB, stripped {os.path.getsize(stripped) / 1e6:.0f} MB")
    os.remove(stripped)

print("== history search on 100k transcriptions, 50 concurrent clients, 10 s (wrk)")
words = ("turn on off the living room kitchen lights timer minutes remind everyone dinner ready "
         "weather tomorrow music play pause school homework bedtime story message family group "
         "garage door porch light eleven tonight seven morning alarm grocery list milk bread").split()
rng = random.Random(7)
with tempfile.TemporaryDirectory() as home:
    port = free_port()
    proc = serve(home, port)
    wait_healthz(port, proc)
    stop(proc)
    db = sqlite3.connect(os.path.join(home, "data", "tonny.db"))
    now = int(time.time() * 1000)
    db.executemany(
        "INSERT INTO transcriptions (created_at, text, confidence, language, source) VALUES (?, ?, 0.9, 'en', 'bench')",
        ((now - i * 1000, " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))) for i in range(100_000)))
    db.commit()
    db.close()
    proc = serve(home, port)
    wait_healthz(port, proc)
    token = open(os.path.join(home, "data", "api-token")).read().strip()

    def wrk(path):
        out = subprocess.run(["wrk", "-t2", "-c50", "-d10s", "--latency", "-H", f"Authorization: Bearer {token}",
                              f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
        lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
        rps = re.search(r"Requests/sec:\s+(\S+)", out).group(1)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return lat.get("50"), lat.get("99"), rps, errors.group(1) if errors else "0"

    def ms(v):
        n, unit = float(re.match(r"[\d.]+", v).group()), re.sub(r"[\d.]", "", v)
        return n * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    floor = wrk("/healthz")
    for label, path in (("search 'timer'", "/api/v1/history?q=timer&limit=20"),
                        ("search 'porch light*'", "/api/v1/history?q=porch%20light*&limit=20"),
                        ("newest page", "/api/v1/history?limit=50")):
        p50, p99, rps, bad = wrk(path)
        print(f"  {label}: p50 {p50}, p99 {p99}, {rps} req/s, non-2xx {bad}; p99 ratio to /healthz {ms(p99) / ms(floor[1]):.1f}")
    print(f"  /healthz (floor): p50 {floor[0]}, p99 {floor[1]}, {floor[2]} req/s")
    stop(proc)
