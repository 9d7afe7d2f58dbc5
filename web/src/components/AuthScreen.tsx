import { useId, useState, type FormEvent } from "react";
import { ApiError, type ApiClient } from "../api/client";
import type { AuthResponse } from "../api/types";
import { useTheme } from "../hooks/useTheme";
import { Icon } from "./Icon";
import { Logo } from "./Logo";

type Mode = "login" | "register";

/** Log in (Enter) or create an account with the same two fields; a display name is optional. */

export function AuthScreen({ api, onSignedIn }: { api: ApiClient; onSignedIn: (response: AuthResponse) => void }) {
  const [showDisplayName, setShowDisplayName] = useState(false);
  const [userName, setUserName] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [busy, setBusy] = useState<Mode | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = { user: useId(), password: useId(), display: useId(), error: useId(), hint: useId() };
  const theme = useTheme();

  async function submit(action: Mode, event?: FormEvent) {
    event?.preventDefault();
    setError(null);
    if (userName.trim().length < 3) {
      setError("User names have at least 3 characters: letters, digits, _ - or .");
      return;
    }
    if (action === "register" && password.length < 8) {
      setError("Choose a password of at least 8 characters.");
      return;
    }
    setBusy(action);
    try {
      const response = action === "login" ? await api.login(userName.trim(), password) : await api.register(userName.trim(), password, displayName.trim() || undefined);
      onSignedIn(response);
    } catch (e) {
      setError(describe(e, action));
      setBusy(null);
    }
  }

  return (
    <div className="auth">
      <button type="button" className="icon-button auth-theme" onClick={theme.cycle} aria-label={`Theme: ${theme.choice}. Change theme`} title={`Theme: ${theme.choice}`}>
        <Icon name={theme.choice === "system" ? "monitor" : theme.choice === "light" ? "sun" : "moon"} />
      </button>
      <main className="auth-card" aria-labelledby="auth-title">
        <div className="auth-brand">
          <Logo size={44} />
          <div>
            <h1 id="auth-title">Synapse</h1>
            <p className="muted">Real-time chat, presence and calls.</p>
          </div>
        </div>

        <form className="auth-form" onSubmit={(e) => submit("login", e)} noValidate aria-describedby={error ? ids.error : undefined}>
          <label htmlFor={ids.user}>User name</label>
          <input
            id={ids.user}
            data-testid="auth-username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={userName}
            onChange={(e) => setUserName(e.target.value)}
            maxLength={32}
            required
            autoFocus
          />

          <label htmlFor={ids.password}>Password</label>
          <input
            id={ids.password}
            data-testid="auth-password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-describedby={ids.hint}
            required
          />
          {showDisplayName ? (
            <>
              <label htmlFor={ids.display}>
                Display name <span className="muted">(optional, for a new account)</span>
              </label>
              <input id={ids.display} data-testid="auth-display-name" autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} maxLength={64} />
            </>
          ) : (
            <button type="button" className="link-button add-display-name" onClick={() => setShowDisplayName(true)}>
              New here? Add a display name
            </button>
          )}

          {error && (
            <p id={ids.error} className="form-error" role="alert">
              <Icon name="alert" size={16} /> {error}
            </p>
          )}

          <div className="auth-actions">
            <button type="submit" data-testid="auth-login" className="button primary" disabled={busy !== null}>
              {busy === "login" ? "Logging in…" : "Log in"}
            </button>
            <button type="button" data-testid="auth-register" className="button secondary" onClick={() => submit("register")} disabled={busy !== null}>
              {busy === "register" ? "Creating…" : "Create account"}
            </button>
          </div>
          <p id={ids.hint} className="field-hint auth-hint">
            New accounts need a user name of 3 to 32 letters, digits, dots, dashes or underscores, and a password of at least 8 characters.
          </p>
        </form>
      </main>
    </div>
  );
}

function describe(error: unknown, action: Mode): string {
  if (error instanceof ApiError) {
    if (error.code === "NETWORK_ERROR") return "The server cannot be reached. Check your connection and try again.";
    if (action === "login" && error.status === 401) return "That user name and password do not match.";
    if (error.status === 409) return "That user name is taken: choose another.";
    if (error.status === 429) return `Too many attempts. Try again${error.retryAfterSeconds ? ` in ${Math.ceil(error.retryAfterSeconds / 60)} min` : " later"}.`;
    return error.message;
  }
  return "Something went wrong. Try again.";
}
