import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiClient } from "./api/client";
import { App } from "./App";
import { AuthSession } from "./auth/session";
import { applyTheme } from "./hooks/useTheme";
import "./styles/app.css";

applyTheme();

// One API client and one session for the page, made outside React (whose strict mode runs
// initialisers twice in development).
const api = new ApiClient();
const session = new AuthSession(api);

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App api={api} session={session} />
  </StrictMode>,
);
