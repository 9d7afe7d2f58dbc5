import { useEffect, useState } from "react";
import type { ApiClient } from "./api/client";
import { SESSION_KEY, type AuthSession, type StoredSession } from "./auth/session";
import { AuthScreen } from "./components/AuthScreen";
import { ChatApp } from "./components/ChatApp";

/** The session gate: the sign-in screen, or the chat of the signed-in user. */
export function App({ api, session }: { api: ApiClient; session: AuthSession }) {
  const [current, setCurrent] = useState<StoredSession | null>(session.session);

  useEffect(() => {
    const off = session.changed.on(setCurrent);
    const onStorage = (e: StorageEvent) => {
      if (e.key === SESSION_KEY || e.key === null) session.syncFromStorage();
    };
    window.addEventListener("storage", onStorage);
    return () => {
      off();
      window.removeEventListener("storage", onStorage);
    };
  }, [session]);

  if (!current) {
    return <AuthScreen api={api} onSignedIn={(response) => session.establish(response)} />;
  }
  // Keyed by user: signing in as someone else starts a fresh client.
  return <ChatApp key={current.user.id} api={api} session={session} />;
}
