#!/usr/bin/env python3
"""Speech-to-text benchmark: TonnyTray's embedded engine against faster-whisper.

Both run as long-lived workers on the same model directory (int8, same thread count); requests
alternate between them, file by file, so both see the same machine state. Prints per-utterance
latency (p50, model warm), total time, peak RSS and WER for each engine, and TonnyTray's ratios.
Usage: bench_stt.py TONNY_WORKER PYTHON_WITH_FASTER_WHISPER MODEL_DIR WAV... [--long LONG_WAV]
                    [--also NAME=WORKER]...
--also adds another build of TonnyTray's worker (another CTranslate2 backend, say) to the same
alternating run.
"""
import json, os, re, statistics, subprocess, sys, time

FW_WORKER = r'''
import json, sys, time
from faster_whisper import WhisperModel, decode_audio
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=int(sys.argv[2]))
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    req = json.loads(line)
    t = time.perf_counter()
    audio = decode_audio(req["file"])
    segments, _ = model.transcribe(audio, beam_size=req["beam"], language="en")
    text = " ".join(s.text.strip() for s in segments)
    print(json.dumps({"text": text, "ms": (time.perf_counter() - t) * 1e3}), flush=True)
'''

NUMBERS = dict(zip("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split(), map(str, range(21))))
NUMBERS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90"})

def normalize(text):
    """Same rules as tonny_testkit::speech::normalize."""
    words = re.sub(r"[^\w']+", " ", text.lower()).split()
    words = [w.strip("'") for w in words]
    return [NUMBERS.get(w, w) for w in words if w]

def errors(ref, hyp):
    r, h = normalize(ref), normalize(hyp)
    prev = list(range(len(h) + 1))
    for i, rw in enumerate(r):
        cur = [i + 1] * (len(h) + 1)
        for j, hw in enumerate(h):
            cur[j + 1] = min(prev[j] + (rw != hw), prev[j + 1] + 1, cur[j] + 1)
        prev = cur
    return prev[len(h)], len(r)

def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")

class Worker:
    def __init__(self, name, cmd):
        self.name = name
        t = time.perf_counter()
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        assert json.loads(self.p.stdout.readline())["ready"]
        self.load_s = time.perf_counter() - t
    def ask(self, file, beam):
        self.p.stdin.write(json.dumps({"file": file, "beam": beam}) + "\n")
        return json.loads(self.p.stdout.readline())
    def close(self):
        rss = peak_rss_mb(self.p.pid)
        self.p.stdin.close()
        self.p.wait()
        return rss

def main():
    args = sys.argv[1:]
    long_wav = None
    if "--long" in args:
        i = args.index("--long")
        long_wav = args[i + 1]
        del args[i:i + 2]
    also = []
    while "--also" in args:
        i = args.index("--also")
        also.append(args[i + 1].split("=", 1))
        del args[i:i + 2]
    tonny_worker, fw_python, model_dir, *wavs = args
    threads = os.environ.get("BENCH_THREADS", "2")
    refs = {}
    for wav in wavs:
        tsv = os.path.join(os.path.dirname(wav), "transcripts.tsv")
        if os.path.exists(tsv):
            for line in open(tsv):
                name, text = line.rstrip("\n").split("\t", 1)
                refs[os.path.join(os.path.dirname(wav), name)] = text
    if long_wav and os.path.exists(long_wav + ".txt"):
        refs[long_wav] = open(long_wav + ".txt").read()
    workers = [Worker("tonnytray", [tonny_worker, model_dir, threads]),
               Worker("faster-whisper", [fw_python, "-c", FW_WORKER, model_dir, threads])]
    workers += [Worker(name, [path, model_dir, threads]) for name, path in also]
    rounds = int(os.environ.get("BENCH_ROUNDS", "3"))
    results = {}
    for beam in (1, 5):
        for w in workers:
            w.ask(wavs[0], beam)  # warm up this beam width
        for _ in range(rounds):
            for wav in wavs + ([long_wav] if long_wav else []):
                for w in (workers if _ % 2 == 0 else workers[::-1]):
                    r = w.ask(wav, beam)
                    results.setdefault((w.name, beam, wav), []).append(r)
    rss = {w.name: w.close() for w in workers}
    print(f"model {model_dir}, int8, {threads} threads, {rounds} alternating rounds\n")
    summary = {}
    for beam in (1, 5):
        print(f"beam {beam}")
        print(f"  {'engine':<15} {'p50 short (ms)':>15} {'long file (ms)':>15} {'total (s)':>10} {'WER short':>10} {'WER long':>9}")
        for w in workers:
            short = [r["ms"] for wav in wavs for r in results[(w.name, beam, wav)]]
            total = sum(r["ms"] for k, v in results.items() if k[0] == w.name and k[1] == beam for r in v) / 1e3
            e = n = 0
            for wav in wavs:
                if wav in refs:
                    de, dn = errors(refs[wav], results[(w.name, beam, wav)][0]["text"])
                    e, n = e + de, n + dn
            long_ms = statistics.median(r["ms"] for r in results[(w.name, beam, long_wav)]) if long_wav else float("nan")
            long_wer = (lambda x: x[0] / max(x[1], 1))(errors(refs[long_wav], results[(w.name, beam, long_wav)][0]["text"])) if long_wav in refs else float("nan")
            p50 = statistics.median(short)
            summary[(w.name, beam)] = (p50, long_ms, total, e / max(n, 1), long_wer)
            print(f"  {w.name:<15} {p50:>15.1f} {long_ms:>15.1f} {total:>10.2f} {e / max(n, 1):>10.3f} {long_wer:>9.3f}")
        f = summary[("faster-whisper", beam)]
        for w in workers:
            if w.name == "faster-whisper":
                continue
            t = summary[(w.name, beam)]
            print(f"  ratio {w.name} / faster-whisper: latency p50 {t[0] / f[0]:.2f}, long file {t[1] / f[1]:.2f}, total {t[2] / f[2]:.2f}, WER {t[3]:.3f} vs {f[3]:.3f}")
        print()
    for w in workers:
        print(f"peak RSS {w.name}: {rss[w.name]:.0f} MB (ratio to faster-whisper {rss[w.name] / rss['faster-whisper']:.2f}); model load {w.load_s:.2f} s")
    for w in workers:
        print(f"\n{w.name} transcripts (beam 5):")
        for wav in wavs + ([long_wav] if long_wav else []):
            print(f"  {os.path.basename(wav)}: {results[(w.name, 5, wav)][0]['text'][:160]}")

if __name__ == "__main__":
    main()
