/** Every kind of character that shows nothing on its own. */
export const INVISIBLE_SAMPLES: Record<string, string> = {
  "next line U+0085": "\u0085",
  "no-break space U+00A0": "\u00a0",
  "en quad .. hair space U+2000-U+200A": "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a",
  "ideographic space U+3000": "\u3000",
  "line and paragraph separators": "\u2028\u2029",
  "zero-width space, joiners, marks U+200B-U+200F": "\u200b\u200c\u200d\u200e\u200f",
  "word joiner .. invisible plus U+2060-U+2064": "\u2060\u2061\u2062\u2063\u2064",
  "byte order mark U+FEFF": "\ufeff",
  "soft hyphen U+00AD": "\u00ad",
  "bidi controls": "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c",
  "variation selectors alone": "\ufe0f\ufe0e\u{e0100}",
  "tag characters": "\u{e0001}\u{e0041}\u{e007f}",
  "Hangul fillers": "\u3164\u115f\u1160\uffa0",
  "combining grapheme joiner": "\u034f",
  "blank braille pattern": "\u2800",
  "mixed with ordinary white space": " \t\n\u00a0\u200b\ufeff\u3000 ",
};
