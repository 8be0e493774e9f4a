// Dictations whose text never arrived (the transcription failed, the window could not be typed
// into, TonnyTray stopped meanwhile): their recordings are kept, and Retry types them into the
// focused window now. Shown above the history only when there are some.
import { useEffect, useState } from "react";
import { call, describe, type TalkResult, type UnsentDictation } from "../api/client";
import { useT } from "../i18n";

export function Unsent({ token }: { token: string }) {
  const [items, setItems] = useState<UnsentDictation[]>([]);
  const [busy, setBusy] = useState("");
  const [message, setMessage] = useState("");
  const t = useT();

  // Bumped after each retry, to list them again.
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let current = true;
    call<UnsentDictation[]>(token, "GET", "/api/v1/dictations/unsent")
      .then((list) => current && setItems(list))
      .catch((err) => current && setMessage(describe(err)));
    return () => {
      current = false;
    };
  }, [token, version]);

  async function retry(id: string) {
    setBusy(id);
    try {
      const r = await call<TalkResult>(token, "POST", `/api/v1/dictations/unsent/${encodeURIComponent(id)}/retry`);
      setMessage(r.outcome?.delivery ? t("unsent.typed", { text: r.transcript }) : (r.nothing_sent ?? t("unsent.not_yet")));
    } catch (err) {
      setMessage(describe(err));
    } finally {
      setBusy("");
      setVersion((v) => v + 1);
    }
  }

  if (items.length === 0 && !message) return null;
  return (
    <section aria-label={t("unsent.region")} className="unsent">
      {items.length > 0 && (
        <>
          <h2>{t("unsent.title")}</h2>
          <p className="hint">{t("unsent.hint")}</p>
          <ul>
            {items.map((d) => (
              <li key={d.id} data-testid="unsent-row">
                {new Date(d.recorded_at).toLocaleString()} · {(d.audio_ms / 1000).toFixed(1)} s ·{" "}
                {d.last_error ?? t("unsent.stopped")}{" "}
                <button type="button" disabled={busy !== ""} onClick={() => void retry(d.id)}>
                  {busy === d.id ? t("unsent.typing") : t("unsent.retry")}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {message && <p role="status">{message}</p>}
    </section>
  );
}
