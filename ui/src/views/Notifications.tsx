// Notifications: what TonnyTray had to say outside the conversation (a timer went off, a
// backend failed over, a service stopped). Home shows the unread ones; this view shows all,
// newest first, and marks them read.
import { useEffect, useState } from "react";
import { call, describe, type NotificationView } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { useT } from "../i18n";

export function Notifications({ token, tick, compact = false }: { token: string; tick: number; compact?: boolean }) {
  const path = compact ? "/api/v1/notifications?unread=true&limit=5" : "/api/v1/notifications?limit=100";
  const { data, error, reload } = useApi<NotificationView[]>(token, path);
  const [message, setMessage] = useState<Message>(null);
  const t = useT();
  useEffect(reload, [tick, reload]);

  async function markRead(ids: number[] | null) {
    try {
      await call(token, "POST", "/api/v1/notifications/read", { ids });
      setMessage(null);
      reload();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  const items = data ?? [];
  const unread = items.filter((n) => !n.read);
  const Title = compact ? "h2" : "h1";
  return (
    <section className="card" aria-labelledby={compact ? "unread-title" : "notifications-title"}>
      <div className="row">
        <Title id={compact ? "unread-title" : "notifications-title"}>{compact ? t("notes.unread") : t("notes.title")}</Title>
        {unread.length > 0 && (
          <button type="button" onClick={() => void markRead(null)}>
            {t("notes.mark_all")}
          </button>
        )}
      </div>
      {error && <p role="alert">{error}</p>}
      {data && items.length === 0 && <p className="hint">{compact ? t("notes.nothing_new") : t("notes.none")}</p>}
      <ul className="plain notifications">
        {items.map((n) => (
          <li key={n.id} data-testid={`notification-${n.id}`} className={`level-${n.level} ${n.read ? "read" : "unread"}`}>
            <span>
              <strong>{n.title}</strong>
              {n.body && <span className="help">{n.body}</span>}
              <time className="hint" dateTime={n.created_at}>
                {new Date(n.created_at).toLocaleString()}
              </time>
            </span>
            {!n.read && (
              <button type="button" onClick={() => void markRead([n.id])} aria-label={t("notes.mark_label", { title: n.title })}>
                {t("notes.mark")}
              </button>
            )}
          </li>
        ))}
      </ul>
      <Notice message={message} />
    </section>
  );
}
