// History: what was said, newest first, with full-text search; filters by profile, date and
// outcome; each row's stage timings; paging; and an export (CSV or JSON) of what is selected.
// Dictations not typed yet are listed first, with Retry.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { call, describe, type HistoryPage, type Profile } from "../api/client";
import { useApi } from "../api/useApi";
import { Unsent } from "./Unsent";
import { useT, type Key } from "../i18n";

type HistoryItem = HistoryPage["items"][number];

type Filters = { q: string; profile: string; from: string; to: string; status: string };

const EMPTY: Filters = { q: "", profile: "", from: "", to: "", status: "" };

const OUTCOMES: [string, Key][] = [
  ["", "history.any"],
  ["success", "history.success"],
  ["blocked", "history.blocked"],
  ["failed", "history.failed"],
  ["timeout", "history.timeout"],
  ["pending", "history.pending"],
  ["transcribed", "history.transcribed"],
];

/** The query string for `filters`: dates are whole local days, sent as UTC instants. */
function params(f: Filters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q.trim()) p.set("q", f.q.trim());
  if (f.profile) p.set("profile", f.profile);
  if (f.status) p.set("status", f.status);
  if (f.from) p.set("since", new Date(`${f.from}T00:00:00`).toISOString());
  if (f.to) {
    const end = new Date(`${f.to}T00:00:00`);
    end.setDate(end.getDate() + 1);
    p.set("until", end.toISOString());
  }
  return p;
}

/** "stt 310 · agent 12 · total 420 ms" from the stages that ran. */
function timings(item: HistoryItem): string {
  const t = item.timings;
  const parts = (
    [
      ["capture", t.capture_ms],
      ["stt", t.stt_ms],
      ["route", t.route_ms],
      ["agent", t.agent_ms],
      ["voice", t.tts_ms],
      ["total", t.total_ms],
    ] as [string, number | null | undefined][]
  )
    .filter(([, ms]) => ms != null)
    .map(([name, ms]) => `${name} ${ms}`);
  return parts.length ? `${parts.join(" · ")} ms` : "—";
}

export function History({ token }: { token: string }) {
  const { data: profiles } = useApi<Profile[]>(token, "/api/v1/profiles");
  const t = useT();
  const outcome = (status: string) => {
    const key = OUTCOMES.find(([v]) => v === status)?.[1];
    return key ? t(key) : status;
  };
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [applied, setApplied] = useState<Filters>(EMPTY);
  const [page, setPage] = useState<HistoryPage | null>(null);
  const [error, setError] = useState("");
  const [exporting, setExporting] = useState(false);

  const load = useCallback(
    async (f: Filters, before?: number) => {
      const p = params(f);
      p.set("limit", "50");
      if (before !== undefined) p.set("before_id", String(before));
      try {
        const next = await call<HistoryPage>(token, "GET", `/api/v1/history?${p}`);
        setPage((prev) => (before !== undefined && prev ? { ...next, items: [...prev.items, ...next.items] } : next));
        setError("");
      } catch (err) {
        setError(describe(err));
      }
    },
    [token],
  );

  useEffect(() => {
    let current = true;
    call<HistoryPage>(token, "GET", "/api/v1/history?limit=50")
      .then((p) => current && setPage(p))
      .catch((err) => current && setError(describe(err)));
    return () => {
      current = false;
    };
  }, [token]);

  function apply(e: FormEvent) {
    e.preventDefault();
    setApplied(filters);
    void load(filters);
  }

  async function download(format: "csv" | "json") {
    setExporting(true);
    try {
      const p = params(applied);
      p.set("format", format);
      const res = await fetch(`/api/v1/history/export?${p}`, { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      }
      const name = /filename="([^"]+)"/.exec(res.headers.get("Content-Disposition") ?? "")?.[1] ?? `tonny-history.${format}`;
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setError("");
    } catch (err) {
      setError(t("history.export_failed", { why: describe(err) }));
    } finally {
      setExporting(false);
    }
  }

  const set = (k: keyof Filters) => (e: { target: { value: string } }) => setFilters((f) => ({ ...f, [k]: e.target.value }));
  return (
    <section aria-label={t("view.History")} className="history">
      <Unsent token={token} />
      <form onSubmit={apply} className="toolbar" aria-label={t("history.filter")}>
        <label htmlFor="history-q" className="visually-hidden">
          {t("history.search_label")}
        </label>
        <input id="history-q" value={filters.q} onChange={set("q")} placeholder={t("history.search_hint")} />
        <label>
          {t("history.profile")}{" "}
          <select value={filters.profile} onChange={set("profile")}>
            <option value="">{t("history.everyone")}</option>
            {profiles?.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("history.from")} <input type="date" value={filters.from} onChange={set("from")} />
        </label>
        <label>
          {t("history.to")} <input type="date" value={filters.to} onChange={set("to")} />
        </label>
        <label>
          {t("history.outcome")}{" "}
          <select value={filters.status} onChange={set("status")}>
            {OUTCOMES.map(([value, label]) => (
              <option key={value} value={value}>
                {t(label)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t("history.search")}</button>
        <button type="button" disabled={exporting} onClick={() => void download("csv")}>
          {t("history.csv")}
        </button>
        <button type="button" disabled={exporting} onClick={() => void download("json")}>
          {t("history.json")}
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">{t("history.when")}</th>
            <th scope="col">{t("history.profile")}</th>
            <th scope="col">{t("history.said")}</th>
            <th scope="col">{t("history.outcome")}</th>
            <th scope="col">{t("history.timings")}</th>
          </tr>
        </thead>
        <tbody>
          {page?.items.map((item) => (
            <tr key={item.id} data-testid="history-row">
              <td>{new Date(item.created_at).toLocaleString()}</td>
              <td>{item.profile ?? "—"}</td>
              <td>{item.snippet ?? item.text}</td>
              <td>{outcome(item.status)}</td>
              <td className="timings">{timings(item)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page?.items.length === 0 && <p className="hint">{t("history.nothing")}</p>}
      {page?.next_before_id != null && (
        <button onClick={() => void load(applied, page.next_before_id ?? undefined)}>{t("history.older")}</button>
      )}
    </section>
  );
}
