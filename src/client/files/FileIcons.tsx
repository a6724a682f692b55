/** Decorative line icons for files (the text next to them names the file). */
export function PaperclipIcon() {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M10.5 4.5 5.6 9.4a1.4 1.4 0 0 0 2 2l5-5a2.8 2.8 0 0 0-4-4l-5 5a4.2 4.2 0 0 0 6 6l4.2-4.2"
        stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" fill="none" />
    </svg>
  );
}

/** A document with its kind written on it (PDF, ZIP, ...), for file cards. */
export function FileKindIcon({ label }: { label: string }) {
  return (
    <svg className="file-icon" viewBox="0 0 32 40" aria-hidden="true" focusable="false">
      <path d="M3 2h18l8 8v28H3z" fill="var(--panel-2)" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
      <path d="M21 2v8h8" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
      <text x="16" y="31" textAnchor="middle" fontSize="8" fontWeight="700" fill="currentColor">{label}</text>
    </svg>
  );
}

/** The short kind of a file for its icon: its extension (at most 4 letters), else from its type. */
export function fileKindLabel(name: string, type: string): string {
  const ext = /\.([a-z0-9]{1,4})$/i.exec(name)?.[1];
  if (ext) return ext.toUpperCase();
  const sub = type.split("/")[1];
  return sub && sub !== "octet-stream" ? sub.slice(0, 4).toUpperCase() : "FILE";
}
