// Dictations whose text never arrived (the transcription failed, the window could not be typed
// into, TonnyTray stopped meanwhile): their recordings are kept, and Retry types them into the
// focused window now. Shown above the history only when there are some.
import { useEffect, useState } from "react";
import { call, describe, type TalkResult, type UnsentDictation } from "../api/client";

export function Unsent({ token }: { token: string }) {
  const [items, setItems] = useState<UnsentDictation[]>([]);
  const [busy, setBusy] = useState("");
  const [message, setMessage] = useState("");

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
      setMessage(r.outcome?.delivery ? `Typed: ${r.transcript}` : (r.nothing_sent ?? "It could not be typed yet."));
    } catch (err) {
      setMessage(describe(err));
    } finally {
      setBusy("");
      setVersion((v) => v + 1);
    }
  }

  if (items.length === 0 && !message) return null;
  return (
    <section aria-label="Dictations not typed yet" className="unsent">
      {items.length > 0 && (
        <>
          <h2>Not typed yet</h2>
          <p className="hint">Kept until their text arrives. Put the cursor where the text should go, then Retry.</p>
          <ul>
            {items.map((d) => (
              <li key={d.id} data-testid="unsent-row">
                {new Date(d.recorded_at).toLocaleString()} · {(d.audio_ms / 1000).toFixed(1)} s ·{" "}
                {d.last_error ?? "TonnyTray stopped before it was typed"}{" "}
                <button type="button" disabled={busy !== ""} onClick={() => void retry(d.id)}>
                  {busy === d.id ? "Typing…" : "Retry"}
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
