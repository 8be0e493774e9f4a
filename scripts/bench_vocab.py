#!/usr/bin/env python3
"""Vocabulary benchmark: word error rate on espeak-ng sentences full of names and terms a
household uses, transcribed without and with the vocabulary, by TonnyTray (tiny.en, beam 1 and
5) and, side by side, by faster-whisper given the same terms as `hotwords`.
Usage: bench_vocab.py TONNY PYTHON_WITH_FASTER_WHISPER MODEL_DIR WORKDIR
"""
import json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(__file__))
from bench_stt import errors  # noqa: E402

VOCAB = ["TonnyTray", "Saoirse", "Nguyen", "Grafana", "Obsidian", "Kubernetes", "Zigbee",
         "Jellyfin", "Siobhan", "Pieter"]
SENTENCES = [
    "Open TonnyTray settings.",
    "Remind Saoirse to feed the cat at six.",
    "Send a message to Nguyen about dinner.",
    "Show the Grafana dashboard for the heating.",
    "Add this note to Obsidian under groceries.",
    "Restart the Kubernetes cluster in the basement.",
    "Pair the new Zigbee sensor in the hallway.",
    "Play the next episode on Jellyfin.",
    "Tell Siobhan the bus is late.",
    "Call Pieter when the laundry is done.",
]

FW = r'''
import json, sys
from faster_whisper import WhisperModel
model = WhisperModel(sys.argv[1], device="cpu", compute_type="int8", cpu_threads=2)
beam, hot = int(sys.argv[2]), sys.argv[3] or None
out = []
for wav in sys.argv[4:]:
    segments, _ = model.transcribe(wav, beam_size=beam, language="en", hotwords=hot)
    out.append(" ".join(s.text.strip() for s in segments))
print(json.dumps(out))
'''

def main():
    tonny, python, model, work = sys.argv[1:5]
    env = dict(os.environ, TONNY_HOME=os.path.join(work, "home"), TONNY_STT_MODEL=model)
    wavs = []
    for i, text in enumerate(SENTENCES):
        raw, wav = os.path.join(work, f"{i}.raw.wav"), os.path.join(work, f"{i}.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-w", raw, text], check=True)
        # No dither: the same sentences give the same samples on every run.
        subprocess.run(["sox", "-D", raw, "-r", "16000", "-c", "1", wav], check=True)
        wavs.append(wav)

    def ours(beam, vocab):
        args = [tonny, "--json", "transcribe", "--no-store", "--beam", str(beam)]
        for term in vocab:
            args += ["--vocab", term]
        out = subprocess.run(args + wavs, env=env, check=True, capture_output=True, text=True)
        return [r["text"] for r in json.loads(out.stdout)]

    def theirs(beam, vocab):
        out = subprocess.run([python, "-c", FW, model, str(beam), " ".join(vocab)] + wavs,
                             check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    def wer(texts):
        e = n = 0
        for ref, hyp in zip(SENTENCES, texts):
            de, dn = errors(ref, hyp)
            e, n = e + de, n + dn
        return e / n

    print(f"{len(SENTENCES)} espeak-ng sentences, {sum(len(s.split()) for s in SENTENCES)} words, "
          f"{len(VOCAB)} terms")
    print("beam  engine          without   with vocabulary")
    for beam in (1, 5):
        for name, run in (("TonnyTray", ours), ("faster-whisper", theirs)):
            print(f"{beam:>4}  {name:<14} {wer(run(beam, [])):>8.1%}  {wer(run(beam, VOCAB)):>8.1%}")

main()
