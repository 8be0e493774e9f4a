// Hold-to-talk: the microphone's audio goes to the daemon over /api/v1/talk while the button
// is held (16-bit PCM at the AudioContext's rate, ~100 ms per message); on release the daemon
// answers with what it heard, what it did, and the spoken reply as a WAV file to play here.
import type { components } from "./schema";
import { ApiError } from "./client";

export type TalkResult = components["schemas"]["TalkResult"];

/** What came back for one held utterance. */
export type Heard = { result: TalkResult; audio: Blob | null };

const CHUNK_MS = 100;

export class HoldToTalk {
  private readonly socket: WebSocket;
  private readonly context: AudioContext;
  private readonly stream: MediaStream;
  private listening = false;
  private pending: ArrayBuffer[] = [];
  private block: Float32Array[] = [];
  private blockLen = 0;
  private readonly finished: Promise<Heard>;

  private constructor(token: string, stream: MediaStream, context: AudioContext, onLevel: (level: number) => void, purpose: string) {
    this.stream = stream;
    this.context = context;
    const proto = window.location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${proto}://${window.location.host}/api/v1/talk?token=${token}`);
    this.socket.binaryType = "blob";
    this.socket.onopen = () =>
      this.socket.send(JSON.stringify({ type: "start", format: "pcm_s16le", sample_rate: context.sampleRate, purpose }));
    const perChunk = Math.round((context.sampleRate * CHUNK_MS) / 1000);
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, "pcm-capture");
    node.port.onmessage = (m: MessageEvent<Float32Array>) => {
      const samples = m.data;
      let sum = 0;
      for (const s of samples) sum += s * s;
      onLevel(Math.min(1, Math.sqrt(sum / samples.length) * 4));
      this.block.push(samples);
      this.blockLen += samples.length;
      if (this.blockLen >= perChunk) this.flush();
    };
    source.connect(node);
    this.finished = new Promise<Heard>((resolve, reject) => {
      let result: TalkResult | null = null;
      this.socket.onmessage = (m) => {
        if (m.data instanceof Blob) {
          if (result) resolve({ result, audio: new Blob([m.data], { type: "audio/wav" }) });
          return;
        }
        const msg = JSON.parse(String(m.data)) as { type: string; code?: string; message?: string } & TalkResult;
        if (msg.type === "listening") {
          this.listening = true;
          for (const b of this.pending) this.socket.send(b);
          this.pending = [];
        } else if (msg.type === "error") {
          reject(new ApiError(msg.message ?? "the daemon refused the recording", msg.code ?? "error", 0));
        } else if (msg.type === "result") {
          result = msg;
          if (!msg.audio_bytes) resolve({ result, audio: null });
        }
      };
      this.socket.onclose = () => reject(new ApiError("the connection closed before an answer came", "closed", 0));
      this.socket.onerror = () => reject(new ApiError("TonnyTray is not answering; is `tonny serve` running?", "offline", 0));
    });
    // Settled either way; a caller that cancels does not wait for it.
    this.finished.catch(() => undefined);
  }

  /** Opens the microphone and starts sending; `onLevel` gets 0–1 about 375 times a second. */
  static async start(token: string, onLevel: (level: number) => void, purpose = "command"): Promise<HoldToTalk> {
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        // Whisper wants the voice as it is: noise suppression and gain control smear the first
        // syllables it needs; echo cancellation keeps a reply playing here out of the recording.
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: false, autoGainControl: false },
      });
    } catch (e) {
      throw new ApiError(`the microphone could not be opened (${String(e)}); allow it for this page, or type instead`, "microphone", 0);
    }
    const context = new AudioContext();
    await context.audioWorklet.addModule("/pcm-capture.js");
    return new HoldToTalk(token, stream, context, onLevel, purpose);
  }

  private flush() {
    if (this.blockLen === 0) return;
    const pcm = new Int16Array(this.blockLen);
    let i = 0;
    for (const b of this.block) for (const s of b) pcm[i++] = Math.max(-1, Math.min(1, s)) * 0x7fff;
    this.block = [];
    this.blockLen = 0;
    if (this.listening && this.socket.readyState === WebSocket.OPEN) this.socket.send(pcm.buffer);
    else this.pending.push(pcm.buffer);
  }

  private release() {
    this.stream.getTracks().forEach((t) => t.stop());
    void this.context.close();
  }

  /** The button was let go: sends the rest and waits for the answer. */
  async stop(): Promise<Heard> {
    this.flush();
    this.release();
    const send = () => this.socket.send(JSON.stringify({ type: "stop" }));
    if (this.listening) send();
    else {
      // Released before the daemon was ready: the audio waits with the stop behind it.
      const previous = this.socket.onmessage;
      this.socket.onmessage = (m) => {
        previous?.call(this.socket, m);
        if (this.listening && this.pending.length === 0) {
          this.socket.onmessage = previous;
          send();
        }
      };
    }
    return this.finished;
  }

  /** Drops the recording: nothing is transcribed. */
  cancel() {
    this.release();
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "cancel" }));
    this.socket.close();
  }
}
