// Quick actions: a phrase that runs steps without asking an agent ("movie time" → type,
// speak, ask, open a page), per profile or for everyone.
import { useState, type FormEvent } from "react";
import { call, describe, type ActionsView } from "../api/client";
import { useApi } from "../api/useApi";
import { Notice, type Message } from "./Notice";
import { useT } from "../i18n";

type Action = { name: string; phrase: string; steps: unknown[]; profile?: string | null; enabled: boolean };

const EXAMPLE = '[{"type": "speak", "text": "Enjoy the film"}, {"type": "open_url", "url": "https://example.org"}]';

export function Actions({ token }: { token: string }) {
  const { data, error, reload: load } = useApi<ActionsView>(token, "/api/v1/actions");
  const [draft, setDraft] = useState<{ name: string; phrase: string; steps: string; profile: string; enabled: boolean } | null>(null);
  const [message, setMessage] = useState<Message>(null);
  const t = useT();


  async function save(e: FormEvent) {
    e.preventDefault();
    if (!draft) return;
    let steps: unknown;
    try {
      steps = JSON.parse(draft.steps);
    } catch (err) {
      setMessage({ ok: false, text: t("actions.bad_json", { why: describe(err) }) });
      return;
    }
    try {
      await call(token, "PUT", `/api/v1/actions/${encodeURIComponent(draft.name.trim())}`, {
        phrase: draft.phrase,
        steps,
        profile: draft.profile.trim() || null,
        enabled: draft.enabled,
      });
      setDraft(null);
      setMessage({ ok: true, text: t("actions.saved") });
      load();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  async function remove(name: string) {
    try {
      await call(token, "DELETE", `/api/v1/actions/${encodeURIComponent(name)}`);
      load();
    } catch (err) {
      setMessage({ ok: false, text: describe(err) });
    }
  }

  const actions = (data?.actions ?? []) as unknown as Action[];
  return (
    <section aria-label={t("view.Quick actions")}>
      <div className="toolbar">
        <h2>{t("view.Quick actions")}</h2>
        <button type="button" onClick={() => setDraft({ name: "", phrase: "", steps: EXAMPLE, profile: "", enabled: true })}>
          {t("actions.new")}
        </button>
      </div>
      {error && <p className="error-text">{error}</p>}
      <Notice message={message} />
      {data?.broken.map((b) => (
        <p key={b} className="error-text">
          {b}
        </p>
      ))}
      <table>
        <thead>
          <tr>
            <th>{t("actions.name")}</th>
            <th>{t("actions.phrase")}</th>
            <th>{t("actions.steps")}</th>
            <th>{t("actions.profile")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {actions.map((a) => (
            <tr key={a.name}>
              <td>
                {a.name} {!a.enabled && <span className="pill">{t("actions.off")}</span>}
              </td>
              <td>“{a.phrase}”</td>
              <td>{a.steps.length}</td>
              <td>{a.profile ?? t("actions.everyone")}</td>
              <td className="actions">
                <button
                  type="button"
                  onClick={() => setDraft({ name: a.name, phrase: a.phrase, steps: JSON.stringify(a.steps, null, 1), profile: a.profile ?? "", enabled: a.enabled })}
                >
                  {t("actions.edit")}
                </button>
                <button type="button" onClick={() => void remove(a.name)} aria-label={t("actions.remove_label", { name: a.name })}>
                  {t("actions.remove")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {draft && (
        <form className="card" onSubmit={save} aria-label={t("actions.form")}>
          <label>
            {t("actions.name")}
            <input value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} required />
          </label>
          <label>
            {t("actions.phrase_runs")}
            <input value={draft.phrase} onChange={(e) => setDraft({ ...draft, phrase: e.target.value })} required />
          </label>
          <label>
            {t("actions.steps_json")}
            <textarea rows={5} value={draft.steps} onChange={(e) => setDraft({ ...draft, steps: e.target.value })} />
          </label>
          <label>
            {t("actions.only_for")}
            <input value={draft.profile} onChange={(e) => setDraft({ ...draft, profile: e.target.value })} />
          </label>
          <label className="row">
            <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} /> {t("actions.enabled")}
          </label>
          <div className="row">
            <button type="submit">{t("actions.save")}</button>
            <button type="button" onClick={() => setDraft(null)}>
              {t("actions.cancel")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
