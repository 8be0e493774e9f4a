"""What the benchmark scripts share: ports, process trees, memory readings, waiting for the
daemon, stopping what they started (by PID), percentiles."""
import os, re, signal, socket, subprocess, time, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(home, model, display=None):
    env = dict(os.environ, TONNY_HOME=home, TONNY_STT_MODEL=model, NO_AT_BRIDGE="1",
               WEBKIT_DISABLE_COMPOSITING_MODE="1", LIBGL_ALWAYS_SOFTWARE="1")
    if display:
        env["DISPLAY"] = display
    return env


def tree(pid):
    """pid and all its descendants."""
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                ppid = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(p))
            except (OSError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def binary_pss(pid):
    """PSS (MB) of the pages mapped from the process's own executable: its code and constants
    touched so far (C++ static initialisers touch much of a statically linked library's)."""
    exe = os.path.realpath(f"/proc/{pid}/exe")
    total, mine = 0, False
    for line in open(f"/proc/{pid}/smaps"):
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            fields = line.split()
            mine = len(fields) > 5 and os.path.realpath(fields[5]) == exe
        elif mine and line.startswith("Pss:"):
            total += int(line.split()[1])
    return total / 1024


def memory(pids):
    """(RSS MB, PSS MB) summed over pids, with each process's share (and, for the first, how
    much of it is its own executable's pages)."""
    rss = pss = 0
    parts = []
    for i, p in enumerate(pids):
        try:
            text = open(f"/proc/{p}/smaps_rollup").read()
            name = open(f"/proc/{p}/comm").read().strip()
            exe = binary_pss(p) if i == 0 else None
        except OSError:
            continue
        r = int(re.search(r"^Rss:\s+(\d+)", text, re.M).group(1)) / 1024
        s = int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1)) / 1024
        rss, pss = rss + r, pss + s
        parts.append(f"{name} {s:.0f}" + (f" (own executable {exe:.0f})" if exe is not None else ""))
    return rss, pss, parts


def wait_healthz(port, proc, limit=120):
    url = f"http://127.0.0.1:{port}/healthz"
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the daemon exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.002)
    raise SystemExit("the daemon never answered /healthz")


def stop(proc):
    for p in reversed(tree(proc.pid)):
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def shared_audio():
    """The shared recordings, looked up as the tests do (tonny_testkit::speech::shared_audio_dir)."""
    if os.environ.get("TONNY_SHARED_AUDIO"):
        return os.environ["TONNY_SHARED_AUDIO"]
    if os.path.isfile("../shared/audio/transcripts.tsv"):
        return "../shared/audio"
    return "crates/tonny-testkit/fixtures/audio"
