// The first-run wizard: the speech model, a microphone test, how replies come back, and
// which assistants answer beyond the built-in one. Finishing or skipping sets ui.setup_done.
import { useEffect, useRef, useState } from "react";
import { call, describe, type Devices, type SettingsView } from "../api/client";
import { Models } from "./Models";
import { useT } from "../i18n";

const STEPS = ["Speech model", "Microphone", "Replies", "Assistants"] as const;

export function Wizard({ token, settings, onDone }: { token: string; settings: SettingsView; onDone: () => void }) {
  const values = settings.values as Record<string, unknown>;
  const [step, setStep] = useState(0);
  const [choice, setChoice] = useState<Record<string, unknown>>({
    "stt.backend": values["stt.backend"],
    "stt.model": values["stt.model"],
    "audio.input_device": values["audio.input_device"] ?? null,
    "response.mode": values["response.mode"],
    "agent.fallback_order": values["agent.fallback_order"],
    "chat.base_url": values["chat.base_url"],
  });
  const [devices, setDevices] = useState<Devices | null>(null);
  const [level, setLevel] = useState(0);
  const [testing, setTesting] = useState(false);
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

  async function testMic() {
    setTesting(true);
    setError("");
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
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
      stream.getTracks().forEach((t) => t.stop());
      await ctx.close();
    } catch (e) {
      setError(`The microphone could not be opened: ${describe(e)}`);
    } finally {
      setTesting(false);
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
    <section className="wizard card" aria-label="First-run setup">
      <p className="hint">
        Step {step + 1} of {STEPS.length}
      </p>
      <h2 tabIndex={-1} ref={heading}>
        {STEPS[step]}
      </h2>
      {step === 0 && (
        <>
          <p>TonnyTray turns speech into text on this computer by default, with no account and no internet.</p>
          <label>
            Engine
            <select value={String(choice["stt.backend"])} onChange={(e) => set("stt.backend", e.target.value)}>
              <option value="embedded">On this computer (Whisper)</option>
              <option value="whisperlivekit">WhisperLiveKit server (live partial text)</option>
              <option value="openai">OpenAI-compatible speech API</option>
            </select>
          </label>
          <p className="hint">{t("models.choice_hint")}</p>
          <Models token={token} selected={String(choice["stt.model"] ?? "")} onSelect={(m) => set("stt.model", m)} />
        </>
      )}
      {step === 1 && (
        <>
          <label>
            Microphone
            <select value={String(choice["audio.input_device"] ?? "")} onChange={(e) => set("audio.input_device", e.target.value || null)}>
              <option value="">System default</option>
              {devices?.inputs.map((d) => (
                <option key={d}>{d}</option>
              ))}
            </select>
          </label>
          <div className="row">
            <button type="button" onClick={() => void testMic()} disabled={testing}>
              {testing ? "Speak now…" : "Test the microphone"}
            </button>
            <meter min={0} max={1} value={level} aria-label="Microphone level" />
          </div>
        </>
      )}
      {step === 2 && (
        <fieldset>
          <legend>How should Tonny answer?</legend>
          {[
            ["both", "Speak and show the reply"],
            ["voice_only", "Speak only"],
            ["text_only", "Show or type only"],
          ].map(([v, label]) => (
            <label key={v} className="row">
              <input type="radio" name="mode" value={v} checked={choice["response.mode"] === v} onChange={() => set("response.mode", v)} /> {label}
            </label>
          ))}
        </fieldset>
      )}
      {step === 3 && (
        <>
          <p>The built-in assistant handles the time, the date, timers and your quick actions. Others can answer the rest:</p>
          {["chat", "n8n", "rabbitmq"].map((b) => (
            <label key={b} className="row">
              <input
                type="checkbox"
                checked={order.includes(b)}
                onChange={(e) => set("agent.fallback_order", e.target.checked ? [...order, b] : order.filter((o) => o !== b))}
              />{" "}
              {b === "chat" ? "A chat server (Open WebUI, Ollama, OpenAI-compatible)" : b === "n8n" ? "An n8n workflow" : "A RabbitMQ topic"}
            </label>
          ))}
          {order.includes("chat") && (
            <label>
              Chat server address
              <input value={String(choice["chat.base_url"] ?? "")} onChange={(e) => set("chat.base_url", e.target.value)} />
            </label>
          )}
          <p className="hint">Keys and webhook addresses are set under Settings → Secrets.</p>
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
            Back
          </button>
        )}
        {step < STEPS.length - 1 ? (
          <button type="button" className="primary" onClick={() => setStep(step + 1)}>
            Next
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void finish(true)}>
            Finish
          </button>
        )}
        <button type="button" onClick={() => void finish(false)}>
          Skip setup
        </button>
      </div>
    </section>
  );
}
