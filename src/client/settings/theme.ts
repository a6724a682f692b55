/** Light, dark, or as the system says; kept in this browser. */
export type Theme = "light" | "dark" | "system";

const KEY = "redis-chat:theme";

export function storedTheme(): Theme {
  const value = localStorage.getItem(KEY);
  return value === "light" || value === "dark" ? value : "system";
}

/** Sets `data-theme` on <html> (theme.css forces the palette); "system" removes it. */
export function applyTheme(theme: Theme): void {
  if (theme === "system") {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  } else {
    localStorage.setItem(KEY, theme);
    document.documentElement.dataset.theme = theme;
  }
}
