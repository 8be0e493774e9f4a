#!/usr/bin/env python3
"""Accuracy benchmark on the recordings the accuracy test makes (not in ../shared; see
crates/tonny-testkit/src/accuracy.rs): 36 short household commands (Piper and espeak-ng in turn,
pauses, noise) and three passages of 40 s or more (espeak-ng, pauses, noise). TonnyTray and
faster-whisper transcribe the same files on the same tiny.en directory (int8, 2 threads) at beam
1 and 5, ROUNDS times: faster-whisper samples at rising temperatures with a new seed each run
when a decode looks wrong, so its results vary; TonnyTray seeds its sampler. Prints WER per set,
beam and engine (mean, min-max over rounds) and the median time per file.
Usage: bench_accuracy.py TONNY PYTHON_WITH_FASTER_WHISPER MODEL_DIR SETS_DIR [ROUNDS]
"""
import json, os, subprocess, sys, statistics, tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench_stt import errors  # noqa: E402

FW = r'''
import json, sys, time
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
beam = int(sys.argv[2])
out = []
for wav in sys.argv[3:]:
    t = time.perf_counter()
    segments, _ = model.transcribe(wav, beam_size=beam, language="en")
    text = " ".join(s.text.strip() for s in segments)
    out.append({"text": text, "ms": (time.perf_counter() - t) * 1000})
print(json.dumps(out))
'''


def wer(pairs, texts):
    e = n = 0
    for (_, ref), hyp in zip(pairs, texts):
        de, dn = errors(ref, hyp)
        e, n = e + de, n + dn
    return e / n


def main():
    tonny, python, model, sets = sys.argv[1:5]
    rounds = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(sets, "transcripts.tsv"))]
    short = [(os.path.join(sets, f), t) for f, t in rows if f.startswith("c")]
    long_ = [(os.path.join(sets, f), t) for f, t in rows if f.startswith("l")]
    secs = lambda f: float(subprocess.run(["soxi", "-D", f], capture_output=True, text=True).stdout)
    print(f"short: {len(short)} commands, {sum(secs(f) for f, _ in short) / len(short):.1f} s each on "
          f"average; long: {', '.join(f'{secs(f):.0f} s' for f, _ in long_)}")
    env = dict(os.environ, TONNY_HOME=tempfile.mkdtemp())
    for beam in (1, 5):
        results = {}
        for _ in range(rounds):
            for name, pairs in (("short", short), ("long", long_)):
                files = [f for f, _ in pairs]
                ours = json.loads(subprocess.run(
                    [tonny, "--json", "transcribe", "--no-store", "--model", model, "--beam",
                     str(beam), *files], check=True, capture_output=True, text=True, env=env).stdout)
                theirs = json.loads(subprocess.run(
                    [python, "-c", FW, model, str(beam), *files], check=True,
                    capture_output=True, text=True).stdout)
                r = results.setdefault(name, {"ours": [], "fw": [], "ours_ms": [], "fw_ms": []})
                r["ours"].append(wer(pairs, [o["text"] for o in ours]))
                r["fw"].append(wer(pairs, [t["text"] for t in theirs]))
                r["ours_ms"] += [o["elapsed_ms"] for o in ours]
                r["fw_ms"] += [t["ms"] for t in theirs]
        for name, r in results.items():
            span = lambda v: f"{statistics.mean(v) * 100:.1f} % ({min(v) * 100:.1f}-{max(v) * 100:.1f})"
            ours_ms, fw_ms = statistics.median(r["ours_ms"]), statistics.median(r["fw_ms"])
            print(f"beam {beam} {name:5}: WER TonnyTray {span(r['ours'])}, faster-whisper "
                  f"{span(r['fw'])}; median time per file {ours_ms:.0f} ms vs {fw_ms:.0f} ms "
                  f"({ours_ms / fw_ms:.2f}x)")


if __name__ == "__main__":
    main()
