// Settings: every setting, grouped by what a person wants to do and drawn from the daemon's
// settings schema (/api/v1/settings/schema: the control, the choices with what each means, the
// range and unit, the help line), so no option list is copied here; saved all at once (all or
// nothing) with each refused field's reason shown beside it; secrets are write-only with a
// "configured" badge; microphone, speaker and voice pickers; a hotkey recorder; "Test connection"
// for each remote backend, with the unsaved changes (they are tested, not saved).
import { useMemo, useState, type FormEvent } from "react";
import {
  call,
  describe,
  ApiError,
  type CheckResult,
  type Devices,
  type FieldSchema,
  type SecretView,
  type SettingsGroup,
  type SettingsSchema,
  type SettingsView,
} from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { VoicePicker } from "./VoicePicker";
import { useLang, useT, type Key, type Lang } from "../i18n";
import { settingWords, type SettingWords } from "../i18n/settings";

type Value = string | number | boolean | null | string[];

/** "Ctrl+Shift+Space" from a key press, in the form `hotkeys.*` take. */
function comboOf(e: React.KeyboardEvent): string | null {
  const named: Record<string, string> = { " ": "Space", Escape: "Escape", Enter: "Enter", Tab: "Tab" };
  if (["Control", "Shift", "Alt", "Meta"].includes(e.key)) return null;
  const key = named[e.key] ?? (e.code.startsWith("Key") ? e.code.slice(3) : e.code.startsWith("Digit") ? e.code.slice(5) : e.key.length === 1 ? e.key.toUpperCase() : e.key);
  const mods = [e.ctrlKey && "Ctrl", e.altKey && "Alt", e.shiftKey && "Shift", e.metaKey && "Super"].filter(Boolean);
  return [...mods, key].join("+");
}

/** An ordered list of an enum's values (the agents' fallback order): reorder, remove, add. */
function OrderedChoices({
  id,
  field,
  words,
  value,
  onChange,
}: {
  id: string;
  field: FieldSchema;
  words: SettingWords | undefined;
  value: string[];
  onChange: (v: Value) => void;
}) {
  const move = (i: number, by: number) => {
    const next = [...value];
    [next[i], next[i + by]] = [next[i + by], next[i]];
    onChange(next);
  };
  const left = field.choices.filter((c) => !value.includes(c.value));
  const t = useT();
  const choice = choiceWords(field, words);
  return (
    <div id={id} role="group" aria-label={field.key} className="ordered">
      <ol>
        {value.map((v, i) => (
          <li key={v}>
            <span title={choice(v).help}>{choice(v).label}</span>
            <button type="button" aria-label={t("settings.move_up", { v })} disabled={i === 0} onClick={() => move(i, -1)}>
              ↑
            </button>
            <button type="button" aria-label={t("settings.move_down", { v })} disabled={i === value.length - 1} onClick={() => move(i, 1)}>
              ↓
            </button>
            <button type="button" aria-label={t("settings.remove_item", { v })} onClick={() => onChange(value.filter((x) => x !== v))}>
              ✕
            </button>
          </li>
        ))}
      </ol>
      {left.length > 0 && (
        <select aria-label={t("settings.add_to", { key: field.key })} value="" onChange={(e) => e.target.value && onChange([...value, e.target.value])}>
          <option value="">{t("settings.add")}</option>
          {left.map((c) => (
            <option key={c.value} value={c.value} title={choice(c.value).help}>
              {choice(c.value).label}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

function Field({
  token,
  field,
  value,
  source,
  error,
  devices,
  onChange,
}: {
  token: string;
  field: FieldSchema;
  value: Value;
  source: string;
  error?: string;
  devices: Devices | null;
  onChange: (v: Value) => void;
}) {
  const [recording, setRecording] = useState(false);
  const t = useT();
  const lang = useLang();
  const words = settingWords(lang, field.key);
  const choice = choiceWords(field, words);
  const name = field.key;
  const id = `setting-${name}`;
  const range = field.range;
  // Free text for the fields that are text: the value as the form shows it.
  const text = typeof value === "string" ? value : value == null || typeof value === "boolean" ? "" : String(value);
  let input: React.ReactNode;
  if (field.kind === "choice") {
    // Never free text: the values come from the setting's type.
    input = (
      <select id={id} value={typeof value === "string" ? value : ""} onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)}>
        {field.optional && <option value="">{t("settings.not_set")}</option>}
        {field.choices.map((c) => (
          <option key={c.value} value={c.value} title={choice(c.value).help}>
            {choice(c.value).label}
          </option>
        ))}
      </select>
    );
  } else if (field.kind === "choices") {
    input = <OrderedChoices id={id} field={field} words={words} value={Array.isArray(value) ? value : []} onChange={onChange} />;
  } else if (field.kind === "switch") {
    input = <input id={id} type="checkbox" role="switch" checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  } else if (field.kind === "integer" || field.kind === "number") {
    // A slider where the range is small and every value in it means the same kind of thing
    // (pitch, speed, stability); the number box stays for exact values.
    const slider = range && range.zero_means == null && range.max - range.min <= 100;
    const step = field.kind === "integer" ? 1 : range ? (range.max - range.min) / 100 : "any";
    input = (
      <span className="row">
        {slider && (
          <input
            type="range"
            aria-label={words?.label ?? name}
            min={range.min}
            max={range.max}
            step={step}
            value={typeof value === "number" ? value : Number(value ?? range.min)}
            onChange={(e) => onChange(Number(e.target.value))}
          />
        )}
        <input
          id={id}
          type="number"
          min={range?.zero_means ? 0 : range?.min}
          max={range?.max}
          step={field.kind === "integer" ? 1 : "any"}
          value={typeof value === "number" ? value : ((value as string | null) ?? "")}
          onChange={(e) => onChange(e.target.value === "" ? "" : Number(e.target.value))}
        />
        {range?.unit && <span className="unit">{range.unit}</span>}
      </span>
    );
  } else if (Array.isArray(value)) {
    input = <input id={id} value={value.join(", ")} onChange={(e) => onChange(e.target.value.split(",").map((s) => s.trim()).filter(Boolean))} />;
  } else if (name === "audio.input_device" || name === "audio.output_device") {
    const options = (name === "audio.input_device" ? devices?.inputs : devices?.outputs) ?? [];
    input = (
      <select id={id} value={text} onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)}>
        <option value="">{t("settings.default_device")}</option>
        {text && !options.includes(text) && <option value={text}>{text}</option>}
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
        <input id={id} value={text} onChange={(e) => onChange(e.target.value)} />
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
          {recording ? t("settings.press_keys") : t("settings.record")}
        </button>
      </span>
    );
  } else {
    input = <input id={id} value={text} onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)} />;
  }
  // The chosen value's meaning follows the setting's help: what the select's title says on hover.
  const chosen = field.kind === "choice" && typeof value === "string" ? choice(value).help : undefined;
  const zero = range?.zero_means && `0 = ${words?.zero ?? range.zero_means}`;
  const help = [words?.help ?? field.description, zero].filter(Boolean).join(" ");
  return (
    <div className={`field ${error ? "invalid" : ""}`} data-testid={id} data-untranslated={untranslated(field, words, lang) || undefined}>
      <label htmlFor={id}>
        {words?.label ?? name.split(".").slice(1).join(".").replaceAll("_", " ")}
        {field.group === "advanced" && <code className="key">{name}</code>}
        {source !== "default" && <span className="pill">{SOURCE[source] ? t(SOURCE[source]) : source}</span>}
      </label>
      {input}
      {help && <span className="help">{help}</span>}
      {chosen && <span className="help chosen">{chosen}</span>}
      {error && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Where a value that is not the default comes from, in words. */
const SOURCE: Record<string, Key> = {
  database: "settings.source.database",
  ".env": "settings.source.dotenv",
  environment: "settings.source.environment",
};

/** A choice's label and meaning: the catalogue's words, else its value and the daemon's English. */
function choiceWords(field: FieldSchema, words: SettingWords | undefined) {
  return (value: string) => {
    const own = words?.choices?.[value];
    const english = field.choices.find((c) => c.value === value)?.description;
    return { label: own?.label ?? value.replaceAll("_", " "), help: own?.help ?? english };
  };
}

/** Whether the catalogue lacks words the schema needs: a label, a choice, what 0 means, and
 *  (outside English, whose help lines are the daemon's) the help. The e2e test looks for these. */
function untranslated(field: FieldSchema, words: SettingWords | undefined, lang: Lang): boolean {
  if (!words) return true;
  if (field.choices.some((c) => !words.choices?.[c.value])) return true;
  if (lang === "en") return false;
  return words.help === undefined || (field.range?.zero_means != null && words.zero === undefined) || field.choices.some((c) => !words.choices?.[c.value].help);
}

/** The backends each settings group configures, by their test names in the API. */
const BACKEND_TESTS: Partial<Record<SettingsGroup, { name: string; label: string }[]>> = {
  assistants: [
    { name: "chat", label: "chat server" },
    { name: "n8n", label: "n8n webhook" },
    { name: "rabbitmq", label: "RabbitMQ" },
  ],
  voice: [{ name: "elevenlabs", label: "ElevenLabs" }],
  recognition: [
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
  const t = useT();
  return (
    <div className="field" data-testid={`test-${name}`}>
      <span className="row">
        <button type="button" disabled={running} onClick={() => void run()}>
          {running ? t("settings.testing", { label }) : t("settings.test", { label })}
        </button>
        {result && <span className={`pill ${pill}`}>{result.status === "error" ? t("settings.not_tested") : result.status}</span>}
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
  const t = useT();
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
      <legend>{t("settings.secrets")}</legend>
      {message && <p className="error-text">{message}</p>}
      {secrets.map((s) => (
        <div className="field" key={s.name}>
          <label htmlFor={`secret-${s.name}`}>
            {s.name} {s.configured ? <span className="pill ok">{t("settings.configured")}</span> : <span className="pill">{t("settings.secret_not_set")}</span>}
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
              {t("settings.set")}
            </button>
            {s.configured && s.source !== "environment" && (
              <button type="button" onClick={() => void clear(s.name)}>
                {t("settings.remove")}
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
  const { data: schema } = useApi<SettingsSchema>(token, "/api/v1/settings/schema");
  const [changes, setChanges] = useState<Record<string, Value>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message>(null);
  const [filter, setFilter] = useState("");
  const t = useT();
  const lang = useLang();
  // One group at a time (a search looks through all of them); "keys" is the keychain's secrets.
  const [shown, setShown] = useState<SettingsGroup | "keys">("listening");

  const groups = useMemo(() => {
    const by: [SettingsGroup, FieldSchema[]][] = (schema?.groups ?? []).map((g) => [g, []]);
    const wanted = filter.toLowerCase();
    for (const field of schema?.fields ?? []) {
      const own = settingWords(lang, field.key);
      const words = `${field.key} ${field.key.replaceAll("_", " ")} ${field.description} ${own?.label ?? ""} ${own?.help ?? ""}`.toLowerCase();
      if (wanted && !words.includes(wanted)) continue;
      by.find(([g]) => g === field.group)?.[1].push(field);
    }
    return by.filter(([group, fields]) => fields.length > 0 && (wanted !== "" || group === shown));
  }, [schema, filter, shown, lang]);
  // Groups holding unsaved changes are marked on their tab.
  const changedGroups = new Set(
    Object.keys(changes).map((key) => schema?.fields.find((f) => f.key === key)?.group),
  );

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
        text: later.length ? t("settings.saved_later", { keys: later.join(", ") }) : t("settings.saved_now"),
      });
      onSaved();
    } catch (err) {
      const fields = err instanceof ApiError ? err.fields : [];
      setErrors(Object.fromEntries(fields.map((f) => [f.key, `${f.reason} (accepted: ${f.accepted})`])));
      setMessage({ ok: false, text: t("settings.not_saved", { why: describe(err) }) });
    }
  }

  if (!view || !schema) return <p>{error || t("settings.loading")}</p>;
  const values = view.values as Record<string, Value>;
  const sources = view.sources as Record<string, string>;
  const dirty = Object.keys(changes).length;
  return (
    <section aria-label={t("view.Settings")}>
      {/* The daemon checks every value and names what it refuses; the browser's own checks
          would stop the form without saying which rule. */}
      <form onSubmit={save} noValidate>
        <div className="toolbar sticky">
          <h2>{t("settings.title")}</h2>
          <input aria-label={t("settings.find")} placeholder={t("settings.find_placeholder")} value={filter} onChange={(e) => setFilter(e.target.value)} />
          <button type="submit" disabled={!dirty}>
            {dirty ? t("settings.save_n", { n: dirty }) : t("settings.save")}
          </button>
          <button
            type="button"
            disabled={!dirty}
            onClick={() => {
              setChanges({});
              setErrors({});
            }}
          >
            {t("settings.undo")}
          </button>
        </div>
        <Notice message={message} />
        <div className="tabs" role="group" aria-label={t("settings.groups")}>
          {[...(schema.groups as (SettingsGroup | "keys")[]), "keys" as const].map((g) => (
            <button
              key={g}
              type="button"
              data-group-tab={g}
              aria-pressed={filter === "" && shown === g}
              onClick={() => {
                setFilter("");
                setShown(g);
              }}
            >
              {g === "keys" ? t("settings.keys") : t(`group.${g}`)}
              {g !== "keys" && changedGroups.has(g) && <span aria-label={t("settings.unsaved")}> •</span>}
            </button>
          ))}
        </div>
        {filter !== "" && groups.length === 0 && <p className="hint">{t("settings.no_match", { filter })}</p>}
        {groups.map(([group, fields]) => (
          <fieldset key={group} data-group={group}>
            <legend>{t(`group.${group}`)}</legend>
            {(BACKEND_TESTS[group] ?? []).map((b) => (
              <ConnectionTest key={b.name} token={token} name={b.name} label={b.label} changes={changes} />
            ))}
            {fields.map((f) => (
              <Field
                key={f.key}
                token={token}
                field={f}
                value={f.key in changes ? changes[f.key] : values[f.key]}
                source={sources[f.key] ?? "default"}
                error={errors[f.key]}
                devices={devices}
                onChange={(v) => setChanges((c) => ({ ...c, [f.key]: v }))}
              />
            ))}
          </fieldset>
        ))}
      </form>
      {filter === "" && shown === "keys" && <Secrets token={token} />}
    </section>
  );
}
