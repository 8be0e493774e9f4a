// History: what was said, newest first, with full-text search and paging.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import { call, ApiError, type HistoryPage } from "../api/client";

export function History({ token }: { token: string }) {
  const [query, setQuery] = useState("");
  const [page, setPage] = useState<HistoryPage | null>(null);
  const [error, setError] = useState("");

  const load = useCallback(
    async (q: string, before?: number) => {
      const params = new URLSearchParams({ limit: "50" });
      if (q.trim()) params.set("q", q.trim());
      if (before !== undefined) params.set("before_id", String(before));
      try {
        const next = await call<HistoryPage>(token, "GET", `/api/v1/history?${params}`);
        setPage((prev) => (before !== undefined && prev ? { ...next, items: [...prev.items, ...next.items] } : next));
        setError("");
      } catch (err) {
        setError(err instanceof ApiError ? err.message : String(err));
      }
    },
    [token],
  );

  useEffect(() => {
    let current = true;
    call<HistoryPage>(token, "GET", "/api/v1/history?limit=50")
      .then((p) => current && setPage(p))
      .catch((err) => current && setError(err instanceof ApiError ? err.message : String(err)));
    return () => {
      current = false;
    };
  }, [token]);

  function search(e: FormEvent) {
    e.preventDefault();
    void load(query);
  }

  return (
    <section aria-label="History" className="history">
      <form onSubmit={search} className="ask">
        <label htmlFor="history-q" className="visually-hidden">
          Search history
        </label>
        <input id="history-q" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Search what was said…" />
        <button type="submit">Search</button>
      </form>
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Profile</th>
            <th scope="col">Said</th>
            <th scope="col">STT</th>
          </tr>
        </thead>
        <tbody>
          {page?.items.map((item) => (
            <tr key={item.id}>
              <td>{new Date(item.created_at).toLocaleString()}</td>
              <td>{item.profile ?? "—"}</td>
              <td>{item.snippet ?? item.text}</td>
              <td>{item.stt_ms != null ? `${item.stt_ms} ms` : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page?.items.length === 0 && <p className="hint">Nothing yet.</p>}
      {page?.next_before_id != null && (
        <button onClick={() => void load(query, page.next_before_id ?? undefined)}>Older</button>
      )}
    </section>
  );
}
