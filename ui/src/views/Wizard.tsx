// The first-run wizard: the speech model, a microphone test, how replies come back, and
// which assistants answer beyond the built-in one. Finishing or skipping sets ui.setup_done.
import { useEffect, useRef, useState } from "react";
import { call, describe, type Devices, type SettingsView, type TranscribeResult } from "../api/client";
import { Models } from "./Models";
import { VoicePicker } from "./VoicePicker";
import { useT } from "../i18n";

const STEPS = ["wizard.step.model", "wizard.step.mic", "wizard.step.replies", "wizard.step.assistants"] as const;

export function Wizard({ token, settings, onDone }: { token: string; settings: SettingsView; onDone: () => void }) {
  const values = settings.values as Record<string, unknown>;
  const [step, setStep] = useState(0);
  const [choice, setChoice] = useState<Record<string, unknown>>({
    "stt.backend": values["stt.backend"],
    "stt.model": values["stt.model"],
    "audio.input_device": values["audio.input_device"] ?? null,
    "response.mode": values["response.mode"],
    "tts.voice": values["tts.voice"] ?? null,
    "agent.fallback_order": values["agent.fallback_order"],
    "chat.base_url": values["chat.base_url"],
  });
  const [devices, setDevices] = useState<Devices | null>(null);
  const [level, setLevel] = useState(0);
  const [testing, setTesting] = useState(false);
  // What the engine heard in the microphone test (`null`: no test yet).
  const [heard, setHeard] = useState<string | null>(null);
  const [transcribing, setTranscribing] = useState(false);
  const [error, setError] = useState("");
  const heading = useRef<HTMLHeadingElement>(null);
  const t = useT();

  useEffect(() => {
    call<Devices>(token, "GET", "/api/v1/devices")
      .then(setDevices)
      .catch(() => undefined);
  }, [token]);
  useEffect(() => {
    heading.current?.focus();
  }, [step]);

  const set = (k: string, v: unknown) => setChoice((c) => ({ ...c, [k]: v }));
  const order = (choice["agent.fallback_order"] as string[]) ?? ["local"];

  /** Three seconds of the microphone: its level on the meter, then what the engine heard in
   *  it (transcribed only: "set a timer" sets none). */
  async function testMic() {
    setTesting(true);
    setError("");
    setHeard(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const recorder = new MediaRecorder(stream);
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      const recorded = new Promise<Blob>((resolve) => {
        recorder.onstop = () => resolve(new Blob(chunks, { type: recorder.mimeType }));
      });
      recorder.start();
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      ctx.createMediaStreamSource(stream).connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      const until = Date.now() + 3000;
      await new Promise<void>((resolve) => {
        const tick = () => {
          analyser.getFloatTimeDomainData(buf);
          let sum = 0;
          for (const s of buf) sum += s * s;
          setLevel(Math.min(1, Math.sqrt(sum / buf.length) * 4));
          if (Date.now() < until) requestAnimationFrame(tick);
          else resolve();
        };
        tick();
      });
      recorder.stop();
      stream.getTracks().forEach((t) => t.stop());
      await ctx.close();
      setLevel(0);
      setTranscribing(true);
      const result = await call<TranscribeResult>(token, "POST", "/api/v1/transcribe", await recorded);
      setHeard(result.text);
    } catch (e) {
      setError(t("wizard.mic_failed", { why: describe(e) }));
    } finally {
      setTesting(false);
      setTranscribing(false);
      setLevel(0);
    }
  }

  async function finish(save: boolean) {
    try {
      // Only what the person changed: untouched defaults stay defaults (and values set in the
      // environment are not copied into the database).
      const changed = Object.fromEntries(Object.entries(choice).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(values[k] ?? null)));
      await call(token, "PATCH", "/api/v1/settings", save ? { ...changed, "ui.setup_done": true } : { "ui.setup_done": true });
      onDone();
    } catch (e) {
      setError(describe(e));
    }
  }

  return (
    <section className="wizard card" aria-label={t("wizard.region")}>
      <p className="hint">{t("wizard.step", { n: step + 1, of: STEPS.length })}</p>
      <h2 tabIndex={-1} ref={heading}>
        {t(STEPS[step])}
      </h2>
      {step === 0 && (
        <>
          <p>{t("wizard.local")}</p>
          <label>
            {t("wizard.engine")}
            <select value={String(choice["stt.backend"])} onChange={(e) => set("stt.backend", e.target.value)}>
              <option value="embedded">{t("wizard.engine.embedded")}</option>
              <option value="whisperlivekit">{t("wizard.engine.wlk")}</option>
              <option value="openai">{t("wizard.engine.openai")}</option>
            </select>
          </label>
          <p className="hint">{t("models.choice_hint")}</p>
          <Models token={token} selected={String(choice["stt.model"] ?? "")} onSelect={(m) => set("stt.model", m)} />
        </>
      )}
      {step === 1 && (
        <>
          <label>
            {t("wizard.mic")}
            <select value={String(choice["audio.input_device"] ?? "")} onChange={(e) => set("audio.input_device", e.target.value || null)}>
              <option value="">{t("wizard.default_device")}</option>
              {devices?.inputs.map((d) => (
                <option key={d}>{d}</option>
              ))}
            </select>
          </label>
          <div className="row">
            <button type="button" onClick={() => void testMic()} disabled={testing}>
              {transcribing ? t("wizard.transcribing") : testing ? t("wizard.speak_now") : t("wizard.test_mic")}
            </button>
            <meter min={0} max={1} value={level} aria-label={t("talk.level")} />
          </div>
          {heard !== null && (
            <p role="status" data-testid="mic-heard">
              {heard ? t("wizard.heard", { text: heard }) : t("wizard.heard_nothing")}
            </p>
          )}
        </>
      )}
      {step === 2 && (
        <fieldset>
          <legend>{t("wizard.how")}</legend>
          {(
            [
              ["both", t("wizard.mode.both")],
              ["voice_only", t("wizard.mode.voice_only")],
              ["text_only", t("wizard.mode.text_only")],
            ] as const
          ).map(([v, label]) => (
            <label key={v} className="row">
              <input type="radio" name="mode" value={v} checked={choice["response.mode"] === v} onChange={() => set("response.mode", v)} /> {label}
            </label>
          ))}
          <label htmlFor="wizard-voice">{t("wizard.voice")}</label>
          <VoicePicker token={token} id="wizard-voice" value={(choice["tts.voice"] as string | null) ?? null} onChange={(v) => set("tts.voice", v)} />
        </fieldset>
      )}
      {step === 3 && (
        <>
          <p>{t("wizard.others")}</p>
          {["chat", "n8n", "rabbitmq"].map((b) => (
            <label key={b} className="row">
              <input
                type="checkbox"
                checked={order.includes(b)}
                onChange={(e) => set("agent.fallback_order", e.target.checked ? [...order, b] : order.filter((o) => o !== b))}
              />{" "}
              {b === "chat" ? t("wizard.chat") : b === "n8n" ? t("wizard.n8n") : t("wizard.rabbitmq")}
            </label>
          ))}
          {order.includes("chat") && (
            <label>
              {t("wizard.chat_url")}
              <input value={String(choice["chat.base_url"] ?? "")} onChange={(e) => set("chat.base_url", e.target.value)} />
            </label>
          )}
          <p className="hint">{t("wizard.keys")}</p>
        </>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="row">
        {step > 0 && (
          <button type="button" onClick={() => setStep(step - 1)}>
            {t("wizard.back")}
          </button>
        )}
        {step < STEPS.length - 1 ? (
          <button type="button" className="primary" onClick={() => setStep(step + 1)}>
            {t("wizard.next")}
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void finish(true)}>
            {t("wizard.finish")}
          </button>
        )}
        <button type="button" onClick={() => void finish(false)}>
          {t("wizard.skip")}
        </button>
      </div>
    </section>
  );
}
