// Loading a GET route into a component: the answer, the error to show, and a way to load it
// again after a change (or replace it with what a write returned).
import { useCallback, useEffect, useState } from "react";
import { call, describe } from "./client";

/** `path` null: nothing to load yet (no token). */
export function useApi<T>(token: string, path: string | null) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState("");
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let current = true;
    call<T>(token, "GET", path)
      .then((d) => {
        if (!current) return;
        setData(d);
        setError("");
      })
      .catch((e: unknown) => current && setError(describe(e)));
    return () => {
      current = false;
    };
  }, [token, path, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, setData, error, reload };
}
