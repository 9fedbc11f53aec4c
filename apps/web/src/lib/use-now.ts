import { useEffect, useState } from 'react';

/** The current time, updated every `ms` (default a minute), so "3 分前" stays true on an open page. */
export function useNow(ms = 60_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const id = window.setInterval(() => setNow(new Date()), ms);
    return () => window.clearInterval(id);
  }, [ms]);
  return now;
}
