// Talk: hold the button (or Space) and speak; the conversation, the live level and partial
// text, the reply played here, a stop button, and typed requests as the fallback.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { call, ApiError, type AskResponse, type ContextView } from "../api/client";
import { HoldToTalk } from "../api/talk";
import { useT, type Key } from "../i18n";

/** One turn; `voice` names the voice that spoke a reply on the daemon's machine. */
type Line = { who: "you" | "tonny" | "refused" | "error"; text: string; voice?: string | null };

const WHO: Record<Line["who"], Key> = { you: "talk.you", tonny: "talk.tonny", refused: "talk.refused", error: "talk.problem" };

/** Live text while someone speaks: `stable` will not change, `tentative` may. */
export interface Partial {
  stable: string;
  tentative: string;
}

export function Talk({ token, partial, active = true }: { token: string; partial: Partial; active?: boolean }) {
  const [lines, setLines] = useState<Line[]>([]);
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [holding, setHolding] = useState(false);
  const [level, setLevel] = useState(0);
  const [replyAudio, setReplyAudio] = useState<string | null>(null);
  const recorder = useRef<Promise<HoldToTalk | null> | null>(null);
  const player = useRef<HTMLAudioElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const t = useT();

  const problem = (err: unknown) => {
    const message = err instanceof ApiError ? err.message : String(err);
    setLines((l) => [...l, { who: "error", text: message }]);
  };

  function press() {
    if (recorder.current || busy) return;
    player.current?.pause();
    setHolding(true);
    recorder.current = HoldToTalk.start(token, setLevel).catch((e: unknown) => {
      problem(e);
      setHolding(false);
      recorder.current = null;
      return null;
    });
  }

  async function release() {
    const pending = recorder.current;
    if (!pending) return;
    recorder.current = null;
    setHolding(false);
    setLevel(0);
    const rec = await pending;
    if (!rec) return;
    setBusy(true);
    try {
      const { result, audio } = await rec.stop();
      if (!result.outcome) {
        setLines((l) => [...l, { who: "error", text: t("talk.no_words") }]);
        return;
      }
      const reply = result.outcome.reply ?? t("talk.no_reply");
      const who = result.outcome.refused ? "refused" : "tonny";
      setLines((l) => [...l, { who: "you", text: result.transcript }, { who, text: reply, voice: result.outcome?.voice }]);
      if (audio) {
        setReplyAudio((old) => {
          if (old) URL.revokeObjectURL(old);
          return URL.createObjectURL(audio);
        });
      }
    } catch (err) {
      problem(err);
    } finally {
      setBusy(false);
    }
  }

  async function stopEverything() {
    player.current?.pause();
    const pending = recorder.current;
    recorder.current = null;
    setHolding(false);
    setLevel(0);
    (await pending)?.cancel();
    try {
      await call(token, "POST", "/api/v1/stop");
    } catch (err) {
      problem(err);
    }
  }

  // After a reload, the conversation the daemon still holds (its follow-up context).
  useEffect(() => {
    call<ContextView>(token, "GET", "/api/v1/context")
      .then((c) =>
        setLines((l) =>
          l.length > 0
            ? l
            : c.turns.flatMap((t): Line[] => [
                { who: "you", text: t.user },
                ...(t.reply ? [{ who: "tonny" as const, text: t.reply }] : []),
              ]),
        ),
      )
      .catch(() => {});
  }, [token]);

  async function clearConversation() {
    try {
      await call(token, "DELETE", "/api/v1/context");
      setLines([]);
    } catch (err) {
      problem(err);
    }
  }

  // Space held anywhere outside a text field talks, like the hotkey (only while Talk is shown).
  useEffect(() => {
    if (!active) return;
    const typing = (e: KeyboardEvent) => e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
    const down = (e: KeyboardEvent) => {
      if (e.code !== "Space" || e.repeat || typing(e)) return;
      e.preventDefault();
      press();
    };
    const up = (e: KeyboardEvent) => {
      if (e.code !== "Space" || typing(e)) return;
      e.preventDefault();
      void release();
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  });

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
      setLines((l) => [...l, { who: answer.refused ? "refused" : "tonny", text: answer.reply ?? t("talk.no_reply"), voice: answer.voice }]);
    } catch (err) {
      problem(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-label={t("view.Talk")} className="talk">
      <div className="conversation" role="log" aria-live="polite">
        {lines.length === 0 && <p className="hint">{t("talk.hint")}</p>}
        {lines.map((l, i) => (
          <p key={i} className={`line ${l.who}`} data-testid={`line-${l.who}`}>
            <span className="who">{t(WHO[l.who])}</span>
            {l.text}
            {l.voice && (
              <span className="spoken-by" data-testid="spoken-by">
                {t("talk.spoken_by", { voice: l.voice })}
              </span>
            )}
          </p>
        ))}
        {(partial.stable || partial.tentative) && (
          <p className="line partial" data-testid="live-text">
            {partial.stable} <span className="tentative">{partial.tentative}</span>…
          </p>
        )}
        <div ref={end} />
      </div>
      <div className="speak">
        <button
          type="button"
          className={`hold ${holding ? "holding" : ""}`}
          aria-pressed={holding}
          disabled={busy}
          onPointerDown={(e) => {
            e.currentTarget.setPointerCapture(e.pointerId);
            press();
          }}
          onPointerUp={() => void release()}
          onPointerCancel={() => void release()}
          onKeyDown={(e) => {
            if ((e.key === "Enter" || e.key === " ") && !e.repeat) {
              e.preventDefault();
              e.stopPropagation();
              press();
            }
          }}
          onKeyUp={(e) => {
            if (e.key === "Enter" || e.key === " ") {
              e.preventDefault();
              e.stopPropagation();
              void release();
            }
          }}
        >
          {holding ? t("talk.listening") : busy ? t("talk.thinking") : t("talk.hold")}
        </button>
        <meter className="level" data-testid="level" min={0} max={1} value={level} aria-label={t("talk.level")} />
        <button type="button" onClick={() => void stopEverything()}>
          {t("talk.stop")}
        </button>
        <button type="button" onClick={() => void clearConversation()} disabled={lines.length === 0}>
          {t("talk.clear")}
        </button>
      </div>
      {replyAudio && (
        <audio ref={player} src={replyAudio} controls autoPlay data-testid="reply-audio" aria-label={t("talk.reply_audio")} />
      )}
      <form onSubmit={ask} className="ask">
        <label htmlFor="ask-text" className="visually-hidden">
          {t("talk.ask_label")}
        </label>
        <input
          id="ask-text"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t("talk.ask_placeholder")}
          autoComplete="off"
          maxLength={4000}
        />
        <button type="submit" disabled={busy || !text.trim()}>
          {busy ? "…" : t("talk.ask")}
        </button>
      </form>
    </section>
  );
}
