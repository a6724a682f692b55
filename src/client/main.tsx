import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import "./styles.css";
import "./settings/theme.css";
import { applyTheme, storedTheme } from "./settings/theme.js";

applyTheme(storedTheme());
import { registerServiceWorker } from "./notifications/service-worker.js";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

registerServiceWorker();
