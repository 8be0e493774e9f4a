// Models & voices: the speech model used to hear (installed ones, ones to fetch with progress,
// or a model file) and the voice replies are spoken in. A choice here is saved at once and used
// from the next request, like any setting.
import { useState } from "react";
import { call, describe, type SettingsView } from "../api/client";
import { Models } from "./Models";
import { Notice, type Message } from "./Notice";
import { VoicePicker } from "./VoicePicker";
import { useT } from "../i18n";

export function ModelsVoices({ token, settings, onSaved }: { token: string; settings: SettingsView; onSaved: () => void }) {
  const values = settings.values as Record<string, unknown>;
  const [message, setMessage] = useState<Message>(null);
  const t = useT();

  async function save(key: string, value: unknown, what: string) {
    try {
      await call(token, "PATCH", "/api/v1/settings", { [key]: value });
      setMessage({ ok: true, text: t("models.used_next", { what }) });
      onSaved();
    } catch (err) {
      setMessage({ ok: false, text: t("models.not_changed", { why: describe(err) }) });
    }
  }

  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">{t("models.title")}</h1>
      <Notice message={message} />
      <div className="card">
        <h2>{t("models.hearing")}</h2>
        <Models
          token={token}
          selected={String(values["stt.model"] ?? "")}
          onSelect={(m) => void save("stt.model", m, m)}
        />
      </div>
      <div className="card">
        <h2>{t("models.speaking")}</h2>
        <label htmlFor="models-voice">{t("models.voice")}</label>
        <VoicePicker
          token={token}
          id="models-voice"
          value={(values["tts.voice"] as string | null) ?? null}
          onChange={(v) => void save("tts.voice", v, v ?? "espeak-ng")}
        />
      </div>
    </section>
  );
}
