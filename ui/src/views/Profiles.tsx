// Profiles: who uses TonnyTray and what each may do — permission level, allowed and blocked
// commands, a daily limit, quiet hours, the PIN, the voice its replies are spoken in, the names
// and replacements its speech is written with — and which one is active.
import { useState, type FormEvent } from "react";
import { call, describe, type Profile, type ProfileInput } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { VoicePicker } from "./VoicePicker";

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


  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    const name = draft.name.trim();
    if (!name) {
      setMessage({ ok: false, text: "Give the profile a name." });
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
      setMessage({ ok: true, text: `Saved ${name}.` });
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
      setMessage({ ok: true, text: `${name} is active.` });
      setSwitchPin("");
      load();
      onChanged();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  async function remove(name: string) {
    if (!window.confirm(`Remove the profile ${name}?`)) return;
    try {
      await call(token, "DELETE", `/api/v1/profiles/${encodeURIComponent(name)}`);
      load();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setDraft((d) => (d ? { ...d, [k]: e.target.value } : d));

  return (
    <section aria-label="Profiles">
      <div className="toolbar">
        <h2>Profiles</h2>
        <button
          type="button"
          onClick={() => {
            setDraft(empty);
            setEditing(null);
          }}
        >
          New profile
        </button>
        <label>
          Admin PIN for switching <input type="password" inputMode="numeric" value={switchPin} onChange={(e) => setSwitchPin(e.target.value)} aria-label="Admin PIN for switching" />
        </label>
      </div>
      {error && <p className="error-text">{error}</p>}
      <Notice message={message} />
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Level</th>
            <th>Rules</th>
            <th>Limits</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {profiles.map((p) => (
            <tr key={p.name} data-testid={`profile-${p.name}`}>
              <td>
                {p.name} {p.active && <span className="pill ok">active</span>} {p.has_pin && <span className="pill">PIN</span>}
              </td>
              <td>{p.permission}</td>
              <td>
                {p.blocked_commands.length > 0 && <div>blocks: {p.blocked_commands.join(", ")}</div>}
                {p.allowed_commands.length > 0 && <div>only: {p.allowed_commands.join(", ")}</div>}
              </td>
              <td>
                {p.daily_limit != null && <div>{p.daily_limit}/day</div>}
                {p.quiet_hours && <div>quiet {p.quiet_hours}</div>}
                {p.tts_voice && <div>voice {p.tts_voice}</div>}
                {p.vocabulary.length > 0 && <div>words: {p.vocabulary.join(", ")}</div>}
                {p.language && <div>speaks {p.language}</div>}
              </td>
              <td className="actions">
                {!p.active && (
                  <button type="button" onClick={() => void activate(p.name)}>
                    Use
                  </button>
                )}
                <button
                  type="button"
                  onClick={() => {
                    setDraft(draftOf(p));
                    setEditing(p.name);
                  }}
                >
                  Edit
                </button>
                <button type="button" onClick={() => void remove(p.name)} aria-label={`Remove ${p.name}`}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {draft && (
        <form className="card" onSubmit={save} aria-label={editing ? `Edit ${editing}` : "New profile"}>
          <label>
            Name
            <input value={draft.name} onChange={set("name")} disabled={editing !== null} required />
          </label>
          <label>
            Permission level
            <select value={draft.permission} onChange={set("permission")}>
              {LEVELS.map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </label>
          <label>
            Allowed commands (one pattern per line; empty allows anything not blocked)
            <textarea value={draft.allowed} onChange={set("allowed")} rows={3} />
          </label>
          <label>
            Blocked commands (one pattern per line, e.g. <code>*buy*</code>)
            <textarea value={draft.blocked} onChange={set("blocked")} rows={3} />
          </label>
          <label>
            Requests per day (empty: no limit)
            <input type="number" min={0} value={draft.limit} onChange={set("limit")} />
          </label>
          <label>
            Quiet hours (HH:MM-HH:MM)
            <input value={draft.quiet} onChange={set("quiet")} placeholder="21:00-07:00" />
          </label>
          <label>
            Words to expect: people, places and terms this person says, one per line, spelled as they should be written
            <textarea value={draft.vocabulary} onChange={set("vocabulary")} rows={3} placeholder="Saoirse" />
          </label>
          <label>
            Replacements (one per line: <code>heard =&gt; written</code>)
            <textarea value={draft.replacements} onChange={set("replacements")} rows={2} placeholder="sir sha => Saoirse" />
          </label>
          <label>
            Language this person speaks (a code such as de or fr; empty: the household&apos;s)
            <input value={draft.language} onChange={set("language")} maxLength={2} placeholder="de" />
          </label>
          <label htmlFor="profile-voice">Voice for its replies</label>
          <VoicePicker token={token} id="profile-voice" household value={draft.voice} onChange={(voice) => setDraft((d) => (d ? { ...d, voice } : d))} />
          <label>
            New PIN (4–8 digits; empty keeps the current one)
            <input type="password" inputMode="numeric" value={pin} onChange={(e) => setPin(e.target.value)} autoComplete="new-password" />
          </label>
          <div className="row">
            <button type="submit">Save profile</button>
            <button type="button" onClick={() => setDraft(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
