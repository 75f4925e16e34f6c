/**
 * Policy files, Sids, key aliases and file names found in a repository are written by whoever controls
 * them. Printed raw, an escape sequence (ESC, or the 8-bit CSI U+009B) could erase or recolour the report's
 * lines, a newline could fake a line, and a bidirectional override or isolate (U+202A–U+202E,
 * U+2066–U+2069, the marks U+200E/U+200F/U+061C) could make text read differently from what it is
 * ("Trojan Source", CVE-2021-42574). These are shown as visible `\uXXXX` escapes instead.
 */

/** C0 controls (newline and tab included), DEL, C1 controls, bidirectional controls, line/paragraph separators. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, less what JSON.stringify escapes already (every C0 control) and what HTML may keep (tab, newline, CR). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE_IN_HTML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escaped(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A policy-derived string for a terminal: controls and overrides shown as `\u001b`, `\u202e`… */
export function terminalSafe(value: string): string {
  return value.replace(UNSAFE, escaped);
}

/** For HTML text and attributes: the same, keeping tab and line breaks (pretty-printed statements). */
export function htmlSafe(value: string): string {
  return value.replace(UNSAFE_IN_HTML, escaped);
}

/**
 * JSON text (JSON.stringify's output) with the characters JSON.stringify leaves raw written as `\uXXXX`
 * escapes: the document parses back to the same value, and printing it (`cat report.json`) is safe.
 * They can only occur inside strings, where such an escape is valid.
 */
export function jsonSafe(jsonText: string): string {
  return jsonText.replace(UNSAFE_IN_JSON, escaped);
}

/**
 * A file name as a URI reference (SARIF `artifactLocation.uri`, RFC 3986): every character a URI path cannot hold
 * as it is (controls, overrides, spaces, non-ASCII, `%`, `#`, `?`) percent-encoded as UTF-8; `/` kept.
 */
export function uriSafe(value: string): string {
  return value.replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate: U+FFFD, as a decoder would read it
    }
  });
}
