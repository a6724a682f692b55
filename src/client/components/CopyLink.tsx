import { useEffect, useRef, useState } from "react";
import "./copyLink.css";

/**
 * A link to hand to someone (an invitation, a password reset): the whole of it in a read-only
 * field that wraps (never cut off), and a Copy button. Where the clipboard API is refused (a page
 * not served over HTTPS), the field's selection is copied instead.
 */
export function CopyLink({ url, label, labelledBy }: { url: string; label?: string; labelledBy?: string }) {
  const field = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => setCopied(false), [url]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      field.current?.select();
      setCopied(document.execCommand("copy"));
    }
  };
  return (
    <div className="copy-link">
      <textarea ref={field} className="filter admin__url copy-link__field" readOnly rows={2} value={url} aria-label={labelledBy ? undefined : label} aria-labelledby={labelledBy}
        spellCheck={false} onFocus={(e) => e.target.select()} />
      <button type="button" className="ghost ghost--small" onClick={() => void copy()}>{copied ? "Copied" : "Copy"}</button>
    </div>
  );
}
