// Picking the voice replies are spoken in: the Piper voices installed on the daemon's machine
// (natural, offline), espeak-ng for any other language, and — for a profile's own voice — the
// ElevenLabs voices when a key is set. Used for `tts.voice` in Settings and for a profile's voice.
import { useState } from "react";
import type { LocalVoice, CloudVoice } from "../api/client";
import { useApi } from "../api/useApi";
import { useT, type T } from "../i18n";

/** A profile's cloud voice is stored as `elevenlabs:<voice id>` in its voice field. */
export const CLOUD_PREFIX = "elevenlabs:";
const OTHER = "\u0000other";

function describeLocal(v: LocalVoice, t: T): string {
  const parts = [v.language, v.quality, v.speakers > 1 ? `${v.speakers} speakers` : null].filter(Boolean);
  return `${v.name}${parts.length ? ` — ${parts.join(", ")}` : ""}${v.in_use ? t("voice.speaking_now") : ""}`;
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
  const t = useT();
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
        {household && <option value="">{t("voice.household")}</option>}
        {(local ?? []).length > 0 && (
          <optgroup label={t("voice.natural")}>
            {(local ?? []).map((v) => (
              <option key={v.name} value={v.name}>
                {describeLocal(v, t)}
              </option>
            ))}
          </optgroup>
        )}
        {(cloud ?? []).length > 0 && (
          <optgroup label={t("voice.cloud")}>
            {(cloud ?? []).map((v) => (
              <option key={v.voice_id} value={CLOUD_PREFIX + v.voice_id}>
                {v.name} ({v.category})
              </option>
            ))}
          </optgroup>
        )}
        <option value={OTHER}>{t("voice.other")}</option>
      </select>
      {other && (
        <input
          aria-label={t("voice.other_label")}
          placeholder={t("voice.other_hint")}
          value={current}
          onChange={(e) => onChange(e.target.value === "" ? null : e.target.value)}
        />
      )}
      {other && speaking && !household && <span className="hint">{t("voice.spoken_by", { name: speaking.name })}</span>}
      {local && local.length === 0 && (
        <span className="hint">
          {t("voice.none_installed")} <code>tonny voices install en_US-joe-medium</code>.
        </span>
      )}
      {error && <span className="error-text">{error}</span>}
    </span>
  );
}
