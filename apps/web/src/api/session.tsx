import type { Permission, SessionResponse } from '@mamori/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, onAuthProblem, setCsrfToken } from './client.ts';
import { authApi } from './endpoints.ts';

/** Why the user lands on the sign-in page (shown as a notice there). */
export type SignInReason = 'expired' | 'idle' | 'signed_out' | 'password_set';

type SessionContextValue = {
  /** The current session; null when nobody is signed in. */
  session: SessionResponse | null;
  isLoading: boolean;
  /** Set when the session could not be loaded for another reason than "not signed in". */
  loadError: unknown;
  /** Replaces the session after sign-in, MFA or set-up responses. */
  setSession: (s: SessionResponse | null) => void;
  /** Reloads the session from the server (also extends the idle timeout). */
  refresh: () => Promise<void>;
  /** Ends the session on the server and goes to the sign-in page with a notice. */
  signOut: (reason?: SignInReason) => Promise<void>;
  /** True when the signed-in user's role holds the permission. */
  can: (permission: Permission) => boolean;
};

const SessionContext = createContext<SessionContextValue | null>(null);

export const SESSION_KEY = ['session'] as const;

/** Only same-site paths may be a "continue to" target after sign-in. */
export function safeNext(next: string | null | undefined): string {
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** The page a session in this state belongs on; `next` is where to go once fully signed in. */
export function pathForState(state: SessionResponse['state'], next: string | null = '/'): string {
  const target = safeNext(next);
  const carry = target === '/' ? '' : `?next=${encodeURIComponent(target)}`;
  if (state === 'mfa_required') return `/mfa${carry}`;
  if (state === 'mfa_setup_required') return `/mfa/setup${carry}`;
  return target;
}

async function loadSession(): Promise<SessionResponse | null> {
  try {
    return await authApi.session();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw err;
  }
}

/** Holds the signed-in session for the whole app and reacts when the server says it is gone. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const query = useQuery({
    queryKey: SESSION_KEY,
    queryFn: loadSession,
    staleTime: Number.POSITIVE_INFINITY,
    retry: 1,
  });
  const session = query.data ?? null;

  const setSession = useCallback(
    (s: SessionResponse | null) => {
      setCsrfToken(s?.csrfToken ?? null);
      queryClient.setQueryData(SESSION_KEY, s);
    },
    [queryClient],
  );

  // A full page load to the sign-in page: nothing of the signed-in session stays in memory, and no
  // signed-in page gets the chance to redirect on its own (losing the reason shown there).
  const clearAndGo = useCallback((reason: SignInReason) => {
    setCsrfToken(null);
    window.location.replace(`/login?reason=${reason}`);
  }, []);

  const signOut = useCallback(
    async (reason: SignInReason = 'signed_out') => {
      try {
        await authApi.logout();
      } catch {
        // Already gone on the server: nothing more to end.
      }
      clearAndGo(reason);
    },
    [clearAndGo],
  );

  const refresh = useCallback(async () => {
    setSession(await loadSession());
  }, [setSession]);

  useEffect(
    () =>
      onAuthProblem((problem) => {
        if (problem === 'unauthenticated') {
          clearAndGo('expired');
          return;
        }
        void loadSession().then((s) => {
          setSession(s);
          navigate(s ? pathForState(s.state) : '/login?reason=expired', { replace: true });
        });
      }),
    [clearAndGo, navigate, setSession],
  );

  const value = useMemo<SessionContextValue>(
    () => ({
      session,
      isLoading: query.isLoading,
      loadError: query.error,
      setSession,
      refresh,
      signOut,
      can: (p) => !!session && session.state === 'active' && session.permissions.includes(p),
    }),
    [session, query.isLoading, query.error, setSession, refresh, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session context; throws outside SessionProvider. */
export function useSession(): SessionContextValue {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
