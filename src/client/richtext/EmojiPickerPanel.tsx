/**
 * The emoji picker: frimousse (unstyled, keyboard-navigable, virtualised), in a chunk of its own
 * loaded when a picker is first opened. Its data (emojibase-data, English) is served by this
 * origin under /emojibase (see build/emojibase-data.ts), never fetched from a CDN.
 */
import { EmojiPicker } from "frimousse";

export default function EmojiPickerPanel({ onPick, label }: { onPick: (emoji: string) => void; label: string }) {
  return (
    <EmojiPicker.Root className="emoji-picker" columns={8} emojibaseUrl={`${location.origin}/emojibase`}
      onEmojiSelect={({ emoji }) => onPick(emoji)} aria-label={label}>
      <EmojiPicker.Search className="emoji-picker__search" placeholder="Search emoji" aria-label="Search emoji" autoFocus />
      <EmojiPicker.Viewport className="emoji-picker__viewport">
        <EmojiPicker.Loading className="emoji-picker__note">Loading…</EmojiPicker.Loading>
        <EmojiPicker.Empty className="emoji-picker__note">No emoji found.</EmojiPicker.Empty>
        <EmojiPicker.List className="emoji-picker__list" components={{
          CategoryHeader: ({ category, ...props }) => <div className="emoji-picker__category" {...props}>{category.label}</div>,
          Emoji: ({ emoji, ...props }) => <button type="button" className="emoji-picker__emoji" {...props} aria-label={emoji.label || props["aria-label"]}>{emoji.emoji}</button>,
        }} />
      </EmojiPicker.Viewport>
    </EmojiPicker.Root>
  );
}
