import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import "./styles.css";
import "./settings/theme.css";
import { applyTheme, storedTheme } from "./settings/theme.js";
import { placeName } from "./lib/placeName.js";

applyTheme(storedTheme());
// The place's name from the last visit titles the tab at once (index.html's title is the software's).
if (placeName()) document.title = placeName();
import { registerServiceWorker } from "./notifications/service-worker.js";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

registerServiceWorker();
