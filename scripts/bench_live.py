"""Measures the daemon at the centre (called by scripts/bench-live.sh): how long a settings
change takes to be in effect for the next request (a setting read per request, and one that
rebuilds the agents), `tonny ask` through a running daemon against the same command handled in
its own process (alternating, same machine, same run), and the idle memory of `tonny serve` and
of the tray — beside the same programs built from another commit when BASELINE_DIR is given.
Usage: bench_live.py BUILD_DIR MODEL_DIR [BASELINE_DIR]
"""
import atexit, json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import free_port, memory, pct, stop, tree, wait_healthz  # noqa: E402
from bench_common import env_for as env_with_model  # noqa: E402


def scratch_home():
    """A temporary home for one measurement, removed when the benchmark ends."""
    home = tempfile.mkdtemp(prefix="bench-live-")
    atexit.register(shutil.rmtree, home, True)
    return home

built, model = sys.argv[1], sys.argv[2]
baseline = sys.argv[3] if len(sys.argv) > 3 else None


def env_for(home, display=None):
    return env_with_model(home, model, display)


def serve(tonny, home, port):
    return subprocess.Popen([tonny, "serve", "--port", str(port), "--no-hotkeys", "--silent"],
                            env=env_for(home), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def call(port, token, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        raw = r.read()
        return json.loads(raw) if raw else None


def ms(values):
    s = sorted(values)
    return f"p50 {pct(s, 50):.1f} ms, p95 {pct(s, 95):.1f} ms"


def settings_to_effect(tonny):
    """PATCH then the next request, 30 rounds each: history.enabled (read per request) and
    agent.fallback_order (the agents are rebuilt before the PATCH returns)."""
    home = scratch_home()
    port = free_port()
    proc = serve(tonny, home, port)
    wait_healthz(port, proc)
    token = open(os.path.join(home, "data", "api-token")).read().strip()
    def kept(value, _answer):
        newest = call(port, token, "GET", "/api/v1/activity?limit=1")[0]
        return (newest["request"] is not None) == value

    def chat_tried(value, answer):
        # With the chat server in the order (nothing listens at its default address), a request
        # the local agent cannot answer fails there; without, the local agent says so itself.
        return (answer["status"] == "failed") == (value == "chat,local")

    for key, values, check in [
        ("history.enabled", [False, True], kept),
        ("agent.fallback_order", ["local", "chat,local"], chat_tried),
    ]:
        patch_ms, total_ms, ok = [], [], 0
        for i in range(30):
            value = values[i % 2]
            t0 = time.perf_counter()
            call(port, token, "PATCH", "/api/v1/settings", {key: value})
            t1 = time.perf_counter()
            answer = call(port, token, "POST", "/api/v1/ask", {"text": "tell me a joke", "silent": True})
            t2 = time.perf_counter()
            patch_ms.append((t1 - t0) * 1000)
            total_ms.append((t2 - t0) * 1000)
            ok += check(value, answer)
        print(f"  {key}: change applied (PATCH answered) {ms(patch_ms)}; change + next request "
              f"{ms(total_ms)}; next request saw it {ok}/30")
    stop(proc)


def cli_ask(tonny):
    """`tonny ask` through a running daemon and in its own process, alternating, 20 each."""
    home = scratch_home()
    port = free_port()
    proc = serve(tonny, home, port)
    wait_healthz(port, proc)
    time.sleep(1)
    through, alone = [], []
    argv = [tonny, "--json", "ask", "--silent", "what day is it"]
    for _ in range(20):
        for target, extra in [(through, {}), (alone, {"TONNY_NO_DAEMON": "1"})]:
            t0 = time.perf_counter()
            subprocess.run(argv, env=dict(env_for(home), **extra), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            target.append((time.perf_counter() - t0) * 1000)
    stop(proc)
    a, b = statistics.median(through), statistics.median(alone)
    print(f"  through the daemon: {ms(through)}")
    print(f"  in its own process: {ms(alone)}")
    print(f"  ratio (daemon / in-process, p50): {a / b:.2f}")


def idle_serve(tonny):
    home = scratch_home()
    port = free_port()
    proc = serve(tonny, home, port)
    wait_healthz(port, proc)
    time.sleep(8)
    rss, pss, _ = memory(tree(proc.pid))
    stop(proc)
    return rss, pss


def idle_tray(tray):
    """The tray idle under a private Xvfb and D-Bus session, window closed."""
    display = f":{free_port() % 500 + 100}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    home = scratch_home()
    proc = subprocess.Popen(["dbus-run-session", "--", tray, "--port", "0", "--no-shortcuts"],
                            env=env_for(home, display), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not os.path.exists(os.path.join(home, "data", "daemon.json")) \
            and not os.path.exists(os.path.join(home, "data", "api-address")):
        time.sleep(0.2)
    time.sleep(8)
    apps = [p for p in tree(proc.pid) if open(f"/proc/{p}/comm").read().strip().startswith("tonny-tray")]
    rss, pss, _ = memory(apps)
    for p in tree(proc.pid)[::-1]:
        try:
            os.kill(p, 15)
        except OSError:
            pass
    proc.wait(timeout=30)
    xvfb.terminate()
    xvfb.wait()
    return rss, pss


print("== settings change → effect on the next request (tonny serve, local agent)")
settings_to_effect(os.path.join(built, "tonny"))
print("== tonny ask: through a running daemon vs in its own process")
cli_ask(os.path.join(built, "tonny"))
print("== idle memory (RSS / PSS, MB), this build" + (" vs the baseline build" if baseline else ""))
for name, fn, exe in [("tonny serve", idle_serve, "tonny"), ("tonny-tray", idle_tray, "tonny-tray")]:
    now = fn(os.path.join(built, exe))
    line = f"  {name}: {now[0]:.1f} / {now[1]:.1f}"
    if baseline:
        before = fn(os.path.join(baseline, exe))
        line += f"; baseline {before[0]:.1f} / {before[1]:.1f}; PSS change {now[1] - before[1]:+.1f} MB"
    print(line)
