// Profiles: who uses TonnyTray and what each may do — permission level, allowed and blocked
// commands, a daily limit, quiet hours, the PIN, the voice its replies are spoken in, the names
// and replacements its speech is written with — and which one is active.
import { useState, type FormEvent } from "react";
import { call, describe, type Profile, type ProfileInput } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { VoicePicker } from "./VoicePicker";
import { useT } from "../i18n";

const LEVELS = ["admin", "user", "kid", "guest"] as const;

type Draft = {
  name: string;
  permission: string;
  allowed: string;
  blocked: string;
  limit: string;
  quiet: string;
  voice: string | null;
  vocabulary: string;
  replacements: string;
  language: string;
};

const empty: Draft = { name: "", permission: "user", allowed: "", blocked: "", limit: "", quiet: "", voice: null, vocabulary: "", replacements: "", language: "" };

function draftOf(p: Profile): Draft {
  return {
    name: p.name,
    permission: p.permission,
    allowed: p.allowed_commands.join("\n"),
    blocked: p.blocked_commands.join("\n"),
    limit: p.daily_limit == null ? "" : String(p.daily_limit),
    quiet: p.quiet_hours ?? "",
    voice: p.tts_voice ?? null,
    vocabulary: p.vocabulary.join("\n"),
    replacements: p.replacements.join("\n"),
    language: p.language ?? "",
  };
}

const lines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);

export function Profiles({ token, onChanged }: { token: string; onChanged: () => void }) {
  const { data, error, reload: load } = useApi<Profile[]>(token, "/api/v1/profiles");
  const profiles = data ?? [];
  const [draft, setDraft] = useState<Draft | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [pin, setPin] = useState("");
  const [switchPin, setSwitchPin] = useState("");
  const [message, setMessage] = useState<Message>(null);
  const t = useT();


  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    const name = draft.name.trim();
    if (!name) {
      setMessage({ ok: false, text: t("profiles.need_name") });
      return;
    }
    const body: ProfileInput = {
      permission: draft.permission,
      allowed_commands: lines(draft.allowed),
      blocked_commands: lines(draft.blocked),
      daily_limit: draft.limit.trim() === "" ? null : Number(draft.limit),
      quiet_hours: draft.quiet.trim() === "" ? null : draft.quiet.trim(),
      tts_voice: draft.voice?.trim() || null,
      vocabulary: lines(draft.vocabulary),
      replacements: draft.replacements
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean),
      language: draft.language.trim() || null,
    };
    try {
      await call(token, "PUT", `/api/v1/profiles/${encodeURIComponent(name)}`, body);
      if (pin.trim()) await call(token, "PUT", `/api/v1/profiles/${encodeURIComponent(name)}/pin`, { pin: pin.trim() });
      setMessage({ ok: true, text: t("profiles.saved", { name }) });
      setDraft(null);
      setEditing(null);
      setPin("");
      load();
      onChanged();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  async function activate(name: string) {
    try {
      await call(token, "POST", "/api/v1/active-profile", { name, pin: switchPin.trim() || null });
      setMessage({ ok: true, text: t("home.switched", { name }) });
      setSwitchPin("");
      load();
      onChanged();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  async function remove(name: string) {
    if (!window.confirm(t("profiles.confirm_remove", { name }))) return;
    try {
      await call(token, "DELETE", `/api/v1/profiles/${encodeURIComponent(name)}`);
      load();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => (d ? { ...d, [k]: e.target.value } : d));

  return (
    <section aria-label={t("view.Profiles")}>
      <div className="toolbar">
        <h2>{t("view.Profiles")}</h2>
        <button
          type="button"
          onClick={() => {
            setDraft(empty);
            setEditing(null);
          }}
        >
          {t("profiles.new")}
        </button>
        <label>
          {t("profiles.switch_pin")}{" "}
          <input
            type="password"
            inputMode="numeric"
            value={switchPin}
            onChange={(e) => setSwitchPin(e.target.value)}
            aria-label={t("profiles.switch_pin")}
          />
        </label>
      </div>
      {error && <p className="error-text">{error}</p>}
      <Notice message={message} />
      <table>
        <thead>
          <tr>
            <th>{t("profiles.name")}</th>
            <th>{t("profiles.level")}</th>
            <th>{t("profiles.rules")}</th>
            <th>{t("profiles.limits")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {profiles.map((p) => (
            <tr key={p.name} data-testid={`profile-${p.name}`}>
              <td>
                {p.name} {p.active && <span className="pill ok">{t("profiles.active")}</span>} {p.has_pin && <span className="pill">PIN</span>}
              </td>
              <td>{p.permission}</td>
              <td>
                {p.blocked_commands.length > 0 && <div>{t("profiles.blocks", { list: p.blocked_commands.join(", ") })}</div>}
                {p.allowed_commands.length > 0 && <div>{t("profiles.only", { list: p.allowed_commands.join(", ") })}</div>}
              </td>
              <td>
                {p.daily_limit != null && <div>{t("profiles.per_day", { n: p.daily_limit })}</div>}
                {p.quiet_hours && <div>{t("profiles.quiet", { hours: p.quiet_hours })}</div>}
                {p.tts_voice && <div>{t("profiles.voice", { voice: p.tts_voice })}</div>}
                {p.vocabulary.length > 0 && <div>{t("profiles.words", { list: p.vocabulary.join(", ") })}</div>}
                {p.language && <div>{t("profiles.speaks", { lang: p.language })}</div>}
              </td>
              <td className="actions">
                {!p.active && (
                  <button type="button" onClick={() => void activate(p.name)}>
                    {t("profiles.use")}
                  </button>
                )}
                <button
                  type="button"
                  onClick={() => {
                    setDraft(draftOf(p));
                    setEditing(p.name);
                  }}
                >
                  {t("profiles.edit")}
                </button>
                <button type="button" onClick={() => void remove(p.name)} aria-label={t("profiles.remove_label", { name: p.name })}>
                  {t("profiles.remove")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {draft && (
        <form className="card" onSubmit={save} aria-label={editing ? t("profiles.edit_label", { name: editing }) : t("profiles.new")}>
          <label>
            {t("profiles.name")}
            <input value={draft.name} onChange={set("name")} disabled={editing !== null} required />
          </label>
          <label>
            {t("profiles.permission")}
            <select value={draft.permission} onChange={set("permission")}>
              {LEVELS.map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <label>
            {t("profiles.allowed")}
            <textarea value={draft.allowed} onChange={set("allowed")} rows={3} />
          </label>
          <label>
            <span>
              {t("profiles.blocked")} <code>*buy*</code>)
            </span>
            <textarea value={draft.blocked} onChange={set("blocked")} rows={3} />
          </label>
          <label>
            {t("profiles.limit")}
            <input type="number" min={0} value={draft.limit} onChange={set("limit")} />
          </label>
          <label>
            {t("profiles.quiet_hours")}
            <input value={draft.quiet} onChange={set("quiet")} placeholder="21:00-07:00" />
          </label>
          <label>
            {t("profiles.vocabulary")}
            <textarea value={draft.vocabulary} onChange={set("vocabulary")} rows={3} placeholder="Saoirse" />
          </label>
          <label>
            <span>
              {t("profiles.replacements")} <code>heard =&gt; written</code>)
            </span>
            <textarea value={draft.replacements} onChange={set("replacements")} rows={2} placeholder="sir sha => Saoirse" />
          </label>
          <label>
            {t("profiles.language")}
            <input value={draft.language} onChange={set("language")} maxLength={2} placeholder="de" />
          </label>
          <label htmlFor="profile-voice">{t("profiles.reply_voice")}</label>
          <VoicePicker token={token} id="profile-voice" household value={draft.voice} onChange={(voice) => setDraft((d) => (d ? { ...d, voice } : d))} />
          <label>
            {t("profiles.pin")}
            <input type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} autoComplete="new-password" />
          </label>
          <div className="row">
            <button type="submit">{t("profiles.save")}</button>
            <button type="button" onClick={() => setDraft(null)}>
              {t("profiles.cancel")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
