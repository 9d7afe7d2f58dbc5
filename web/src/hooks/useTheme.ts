import { useCallback, useEffect, useState } from "react";

export type ThemeChoice = "system" | "light" | "dark";
const KEY = "synapse.theme";

function systemTheme(): "light" | "dark" {
  return typeof matchMedia !== "undefined" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function stored(): ThemeChoice {
  try {
    const value = localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

/** Applies the theme (light, dark, or the system's) as `data-theme` on <html>. */
export function applyTheme(choice: ThemeChoice = stored()): void {
  document.documentElement.dataset.theme = choice === "system" ? systemTheme() : choice;
}

/** The theme choice and the function that cycles it: system → light → dark. */
export function useTheme(): { choice: ThemeChoice; resolved: "light" | "dark"; cycle: () => void } {
  const [choice, setChoice] = useState<ThemeChoice>(stored);
  const [system, setSystem] = useState(systemTheme);

  useEffect(() => {
    if (typeof matchMedia === "undefined") return;
    const query = matchMedia("(prefers-color-scheme: dark)");
    const onChange = () => setSystem(query.matches ? "dark" : "light");
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, []);

  useEffect(() => {
    applyTheme(choice);
    try {
      if (choice === "system") localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, choice);
    } catch {
      // not persisted
    }
  }, [choice, system]);

  const cycle = useCallback(() => setChoice((c) => (c === "system" ? "light" : c === "light" ? "dark" : "system")), []);
  return { choice, resolved: choice === "system" ? system : choice, cycle };
}
