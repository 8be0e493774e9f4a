// Talk: a typed request (the fallback when speaking is not possible), the conversation, and
// the live partial text while someone speaks.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { call, ApiError, type AskResponse } from "../api/client";

type Line = { who: "you" | "tonny" | "error"; text: string };

export function Talk({ token, partial }: { token: string; partial: string }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const end = useRef<HTMLDivElement>(null);

  // In braces: newer browsers return a promise from scrollIntoView, and an effect must
  // return nothing or a cleanup function.
  useEffect(() => {
    end.current?.scrollIntoView({ block: "end" });
  }, [lines]);

  async function ask(e: FormEvent) {
    e.preventDefault();
    const request = text.trim();
    if (!request || busy) return;
    setBusy(true);
    setLines((l) => [...l, { who: "you", text: request }]);
    setText("");
    try {
      const answer = await call<AskResponse>(token, "POST", "/api/v1/ask", { text: request });
      setLines((l) => [...l, { who: "tonny", text: answer.reply ?? "(no reply)" }]);
    } catch (err) {
      const message = err instanceof ApiError ? err.message : String(err);
      setLines((l) => [...l, { who: "error", text: message }]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-label="Talk" className="talk">
      <div className="conversation" role="log" aria-live="polite">
        {lines.length === 0 && <p className="hint">Say something with your hotkey, or type below.</p>}
        {lines.map((l, i) => (
          <p key={i} className={`line ${l.who}`} data-testid={`line-${l.who}`}>
            <span className="who">{l.who === "you" ? "You" : l.who === "tonny" ? "Tonny" : "Problem"}</span>
            {l.text}
          </p>
        ))}
        {partial && <p className="line partial">{partial}…</p>}
        <div ref={end} />
      </div>
      <form onSubmit={ask} className="ask">
        <label htmlFor="ask-text" className="visually-hidden">
          Ask TonnyTray
        </label>
        <input
          id="ask-text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Ask TonnyTray…"
          autoComplete="off"
          maxLength={4000}
        />
        <button type="submit" disabled={busy || !text.trim()}>
          {busy ? "…" : "Ask"}
        </button>
      </form>
    </section>
  );
}
