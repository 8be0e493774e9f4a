// Picking the voice replies are spoken in: the Piper voices installed on the daemon's machine
// (natural, offline), espeak-ng for any other language, and — for a profile's own voice — the
// ElevenLabs voices when a key is set. Used for `tts.voice` in Settings and for a profile's voice.
import { useState } from "react";
import type { LocalVoice, CloudVoice } from "../api/client";
import { useApi } from "../api/useApi";

/** A profile's cloud voice is stored as `elevenlabs:<voice id>` in its voice field. */
export const CLOUD_PREFIX = "elevenlabs:";
const OTHER = "\u0000other";

function describeLocal(v: LocalVoice): string {
  const parts = [v.language, v.quality, v.speakers > 1 ? `${v.speakers} speakers` : null].filter(Boolean);
  return `${v.name}${parts.length ? ` — ${parts.join(", ")}` : ""}${v.in_use ? " (speaking now)" : ""}`;
}

export function VoicePicker({
  token,
  id,
  value,
  onChange,
  household = false,
}: {
  token: string;
  id: string;
  value: string | null;
  onChange: (v: string | null) => void;
  /** A profile's picker: "the household's voice" (no value) and the cloud voices are offered. */
  household?: boolean;
}) {
  const { data: local, error } = useApi<LocalVoice[]>(token, "/api/v1/voices/local");
  // Without an ElevenLabs key the daemon refuses this list; the cloud group is then left out.
  const { data: cloud } = useApi<CloudVoice[]>(token, household ? "/api/v1/voices" : null);
  const known = new Set<string>([...(local ?? []).map((v) => v.name), ...(cloud ?? []).map((v) => CLOUD_PREFIX + v.voice_id)]);
  const current = value ?? "";
  const [typing, setTyping] = useState(false);
  const other = typing || (current !== "" && !known.has(current));
  // A language (`en-us`) is spoken by the installed voice for it, which the daemon marks.
  const speaking = (local ?? []).find((v) => v.in_use);
  return (
    <span className="voice-picker">
      <select
        id={id}
        value={other ? OTHER : current}
        onChange={(e) => {
          if (e.target.value === OTHER) {
            setTyping(true);
            return;
          }
          setTyping(false);
          onChange(e.target.value === "" ? null : e.target.value);
        }}
      >
        {household && <option value="">The household's voice (Settings)</option>}
        {(local ?? []).length > 0 && (
          <optgroup label="Natural voices on this computer (Piper)">
            {(local ?? []).map((v) => (
              <option key={v.name} value={v.name}>
                {describeLocal(v)}
              </option>
            ))}
          </optgroup>
        )}
        {(cloud ?? []).length > 0 && (
          <optgroup label="ElevenLabs (cloud)">
            {(cloud ?? []).map((v) => (
              <option key={v.voice_id} value={CLOUD_PREFIX + v.voice_id}>
                {v.name} ({v.category})
              </option>
            ))}
          </optgroup>
        )}
        <option value={OTHER}>A language (its best voice) or an espeak-ng voice…</option>
      </select>
      {other && (
        <input
          aria-label="Language or voice name"
          placeholder="en-us, de, fr, or a voice file"
          value={current}
          onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)}
        />
      )}
      {other && speaking && !household && <span className="hint">Spoken by {speaking.name}, the natural voice for this language.</span>}
      {local && local.length === 0 && (
        <span className="hint">
          No natural voice is installed; espeak-ng speaks. Install one with <code>tonny voices install en_US-joe-medium</code>.
        </span>
      )}
      {error && <span className="error-text">{error}</span>}
    </span>
  );
}
