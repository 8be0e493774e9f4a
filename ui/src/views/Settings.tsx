// Settings: every setting, grouped by section, saved all at once (all or nothing) with each
// refused field's reason shown beside it; secrets are write-only with a "configured" badge;
// microphone, speaker and voice pickers; a hotkey recorder; "Test connection" for each remote backend,
// with the unsaved changes (they are tested, not saved).
import { useMemo, useState, type FormEvent } from "react";
import { call, describe, ApiError, type CheckResult, type Devices, type SecretView, type SettingsView } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { VoicePicker } from "./VoicePicker";

type Value = string | number | boolean | null | string[];

/** "Ctrl+Shift+Space" from a key press, in the form `hotkeys.*` take. */
function comboOf(e: React.KeyboardEvent): string | null {
  const named: Record<string, string> = { " ": "Space", Escape: "Escape", Enter: "Enter", Tab: "Tab" };
  if (["Control", "Shift", "Alt", "Meta"].includes(e.key)) return null;
  const key = named[e.key] ?? (e.code.startsWith("Key") ? e.code.slice(3) : e.code.startsWith("Digit") ? e.code.slice(5) : e.key.length === 1 ? e.key.toUpperCase() : e.key);
  const mods = [e.ctrlKey && "Ctrl", e.altKey && "Alt", e.shiftKey && "Shift", e.metaKey && "Super"].filter(Boolean);
  return [...mods, key].join("+");
}

function Field({
  token,
  name,
  value,
  source,
  error,
  devices,
  onChange,
}: {
  token: string;
  name: string;
  value: Value;
  source: string;
  error?: string;
  devices: Devices | null;
  onChange: (v: Value) => void;
}) {
  const [recording, setRecording] = useState(false);
  const id = `setting-${name}`;
  let input: React.ReactNode;
  if (typeof value === "boolean") {
    input = <input id={id} type="checkbox" checked={value} onChange={(e) => onChange(e.target.checked)} />;
  } else if (typeof value === "number") {
    input = <input id={id} type="number" value={value} onChange={(e) => onChange(e.target.value === "" ? "" : Number(e.target.value))} />;
  } else if (Array.isArray(value)) {
    input = <input id={id} value={value.join(", ")} onChange={(e) => onChange(e.target.value.split(",").map((s) => s.trim()).filter(Boolean))} />;
  } else if (name === "audio.input_device" || name === "audio.output_device") {
    const options = (name === "audio.input_device" ? devices?.inputs : devices?.outputs) ?? [];
    input = (
      <select id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)}>
        <option value="">System default</option>
        {value && !options.includes(value) && <option value={value}>{value}</option>}
        {options.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
    );
  } else if (name === "tts.voice") {
    input = <VoicePicker token={token} id={id} value={typeof value === "string" ? value : null} onChange={onChange} />;
  } else if (name.startsWith("hotkeys.")) {
    input = (
      <span className="row">
        <input id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value)} />
        <button
          type="button"
          aria-pressed={recording}
          onClick={() => setRecording(true)}
          onBlur={() => setRecording(false)}
          onKeyDown={(e) => {
            if (!recording) return;
            e.preventDefault();
            const combo = comboOf(e);
            if (combo) {
              onChange(combo);
              setRecording(false);
            }
          }}
        >
          {recording ? "Press the keys…" : "Record"}
        </button>
      </span>
    );
  } else {
    input = <input id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)} />;
  }
  return (
    <div className={`field ${error ? "invalid" : ""}`} data-testid={id}>
      <label htmlFor={id}>
        {name.split(".").slice(1).join(".")}
        {source !== "default" && <span className="pill">{source}</span>}
      </label>
      {input}
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** The backends each settings group configures, by their test names in the API. */
const BACKEND_TESTS: Record<string, { name: string; label: string }[]> = {
  chat: [{ name: "chat", label: "chat server" }],
  n8n: [{ name: "n8n", label: "n8n webhook" }],
  rabbitmq: [{ name: "rabbitmq", label: "RabbitMQ" }],
  tts: [{ name: "elevenlabs", label: "ElevenLabs" }],
  stt: [
    { name: "whisperlivekit", label: "WhisperLiveKit" },
    { name: "openai_stt", label: "OpenAI transcription" },
  ],
};

function ConnectionTest({ token, name, label, changes }: { token: string; name: string; label: string; changes: Record<string, Value> }) {
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<CheckResult | { status: "error"; message: string } | null>(null);
  async function run() {
    setRunning(true);
    try {
      setResult(await call<CheckResult>(token, "POST", `/api/v1/backends/${name}/test`, { settings: changes }));
    } catch (err) {
      setResult({ status: "error", message: describe(err) });
    } finally {
      setRunning(false);
    }
  }
  const pill = result?.status === "ok" ? "ok" : result?.status === "warn" ? "" : "bad";
  return (
    <div className="field" data-testid={`test-${name}`}>
      <span className="row">
        <button type="button" disabled={running} onClick={() => void run()}>
          {running ? `Testing ${label}…` : `Test connection: ${label}`}
        </button>
        {result && <span className={`pill ${pill}`}>{result.status === "error" ? "not tested" : result.status}</span>}
      </span>
      {result && (
        <span role="status" className={result.status === "ok" ? "ok-text" : result.status === "warn" ? "" : "error-text"}>
          {result.message}
        </span>
      )}
    </div>
  );
}

function Secrets({ token }: { token: string }) {
  const { data, error, reload: load } = useApi<SecretView[]>(token, "/api/v1/secrets");
  const secrets = data ?? [];
  const [values, setValues] = useState<Record<string, string>>({});
  const [failure, setMessage] = useState("");
  const message = failure || error;
  async function save(name: string) {
    try {
      await call(token, "PUT", `/api/v1/secrets/${name}`, { value: values[name] ?? "" });
      setValues((v) => ({ ...v, [name]: "" }));
      load();
    } catch (e) {
      setMessage(describe(e));
    }
  }
  async function clear(name: string) {
    try {
      await call(token, "DELETE", `/api/v1/secrets/${name}`);
      load();
    } catch (e) {
      setMessage(describe(e));
    }
  }
  return (
    <fieldset>
      <legend>Secrets (stored in the keychain; never shown again)</legend>
      {message && <p className="error-text">{message}</p>}
      {secrets.map((s) => (
        <div className="field" key={s.name}>
          <label htmlFor={`secret-${s.name}`}>
            {s.name} {s.configured ? <span className="pill ok">configured</span> : <span className="pill">not set</span>}
          </label>
          <span className="row">
            <input
              id={`secret-${s.name}`}
              type="password"
              autoComplete="off"
              placeholder={s.description}
              value={values[s.name] ?? ""}
              onChange={(e) => setValues((v) => ({ ...v, [s.name]: e.target.value }))}
            />
            <button type="button" disabled={!values[s.name]} onClick={() => void save(s.name)}>
              Set
            </button>
            {s.configured && s.source !== "environment" && (
              <button type="button" onClick={() => void clear(s.name)}>
                Remove
              </button>
            )}
          </span>
          {s.problem && <span className="error-text">{s.problem}</span>}
        </div>
      ))}
    </fieldset>
  );
}

export function Settings({ token, onSaved }: { token: string; onSaved: () => void }) {
  const { data: view, setData: setView, error } = useApi<SettingsView>(token, "/api/v1/settings");
  const { data: devices } = useApi<Devices>(token, "/api/v1/devices");
  const [changes, setChanges] = useState<Record<string, Value>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message>(null);
  const [filter, setFilter] = useState("");


  const groups = useMemo(() => {
    const values = (view?.values ?? {}) as Record<string, Value>;
    const by: Record<string, string[]> = {};
    for (const key of Object.keys(values).sort()) {
      if (filter && !key.includes(filter.toLowerCase())) continue;
      (by[key.split(".")[0]] ??= []).push(key);
    }
    return by;
  }, [view, filter]);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (Object.keys(changes).length === 0) return;
    try {
      const saved = await call<SettingsView>(token, "PATCH", "/api/v1/settings", changes);
      setView(saved);
      setChanges({});
      setErrors({});
      // Everything applies at once, but the listening address: the daemon says which.
      const later = saved.restart_required;
      setMessage({
        ok: true,
        text: later.length
          ? `Saved. ${later.join(", ")} takes effect after TonnyTray restarts; the rest is in effect now.`
          : "Saved. In effect now.",
      });
      onSaved();
    } catch (err) {
      const fields = err instanceof ApiError ? err.fields : [];
      setErrors(Object.fromEntries(fields.map((f) => [f.key, `${f.reason} (accepted: ${f.accepted})`])));
      setMessage({ ok: false, text: `Nothing was saved: ${describe(err)}` });
    }
  }

  if (!view) return <p>{error || "Loading…"}</p>;
  const values = view.values as Record<string, Value>;
  const sources = view.sources as Record<string, string>;
  const dirty = Object.keys(changes).length;
  return (
    <section aria-label="Settings">
      <form onSubmit={save}>
        <div className="toolbar sticky">
          <h2>Settings</h2>
          <input aria-label="Find a setting" placeholder="Find a setting…" value={filter} onChange={(e) => setFilter(e.target.value)} />
          <button type="submit" disabled={!dirty}>
            Save{dirty ? ` (${dirty})` : ""}
          </button>
          <button
            type="button"
            disabled={!dirty}
            onClick={() => {
              setChanges({});
              setErrors({});
            }}
          >
            Undo
          </button>
        </div>
        <Notice message={message} />
        {Object.entries(groups).map(([group, keys]) => (
          <fieldset key={group}>
            <legend>{group}</legend>
            {(BACKEND_TESTS[group] ?? []).map((b) => (
              <ConnectionTest key={b.name} token={token} name={b.name} label={b.label} changes={changes} />
            ))}
            {keys.map((k) => (
              <Field
                key={k}
                token={token}
                name={k}
                value={k in changes ? changes[k] : values[k]}
                source={sources[k] ?? "default"}
                error={errors[k]}
                devices={devices}
                onChange={(v) => setChanges((c) => ({ ...c, [k]: v }))}
              />
            ))}
          </fieldset>
        ))}
      </form>
      <Secrets token={token} />
    </section>
  );
}
