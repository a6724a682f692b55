import { useEffect, useId, useState, type ReactNode } from "react";

const STORE = "redis-chat:sections";

function loadCollapsed(key: string): boolean {
  try {
    return (JSON.parse(localStorage.getItem(STORE) ?? "{}") as Record<string, boolean>)[key] === true;
  } catch {
    return false;
  }
}

function saveCollapsed(key: string, collapsed: boolean): void {
  try {
    const all = JSON.parse(localStorage.getItem(STORE) ?? "{}") as Record<string, boolean>;
    all[key] = collapsed;
    localStorage.setItem(STORE, JSON.stringify(all));
  } catch {
    // Storage unavailable: the section just opens expanded next time.
  }
}

/** How many entries a section shows before it scrolls on its own, when space is short. */
const MIN_VISIBLE_ROWS = 3;

/**
 * One collapsible part of the sidebar (rooms, conversations, people): a heading button with the
 * count, optional actions beside it, an optional filter, and a list that scrolls by itself so a
 * long section never pushes the others out of sight. Collapsed or not is remembered per section.
 */
export function SidebarSection({ id, title, count, badge, actions, filter, children, minRows, as = "section" }: {
  id: string;
  title: string;
  count: number;
  /** Unread total of the section, shown while it is collapsed. */
  badge?: number;
  actions?: ReactNode;
  filter?: { value: string; onChange: (value: string) => void; label: string; placeholder: string } | null;
  children: ReactNode;
  minRows?: number;
  as?: "section" | "div";
}) {
  const [collapsed, setCollapsed] = useState(() => loadCollapsed(id));
  useEffect(() => saveCollapsed(id, collapsed), [id, collapsed]);
  const headingId = useId();
  const bodyId = useId();
  const Tag = as;
  // An empty section keeps a row for its note ("Pick someone under People…"): squeezed to nothing,
  // the note would scroll in a region with nothing to focus (axe: scrollable-region-focusable).
  const rows = Math.max(1, Math.min(minRows ?? count, MIN_VISIBLE_ROWS));
  return (
    <Tag className={`section${collapsed ? " section--collapsed" : ""}`} aria-labelledby={as === "section" ? headingId : undefined}
      style={{ ["--rows" as string]: String(collapsed ? 0 : rows) }}>
      <div className="section__head">
        <h2 className="section-title section__title">
          <button type="button" className="section__toggle" aria-expanded={!collapsed} aria-controls={bodyId}
            onClick={() => setCollapsed((c) => !c)}>
            <span className="section__chevron" aria-hidden="true">{collapsed ? "▸" : "▾"}</span>
            <span id={headingId}>{title}</span>
            <span className="section__count">{count}</span>
            {collapsed && badge ? <span className="badge badge--small" aria-label={`${badge} unread`}>{badge > 99 ? "99+" : badge}</span> : null}
          </button>
        </h2>
        {actions && <div className="section__actions">{actions}</div>}
      </div>
      <div className="section__body" id={bodyId} hidden={collapsed}>
        {filter && (
          <div className="pad">
            <input type="search" className="filter" placeholder={filter.placeholder} aria-label={filter.label}
              value={filter.value} onChange={(e) => filter.onChange(e.target.value)} />
          </div>
        )}
        {children}
      </div>
    </Tag>
  );
}
