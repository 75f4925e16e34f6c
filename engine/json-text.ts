/**
 * Reading a policy's JSON text beyond what JSON.parse tells: keys written more than once in one object.
 *
 * JSON.parse keeps the last of two equal keys without a word; other readers keep the first or reject the
 * text (RFC 8259 §4: member names "SHOULD be unique", and software receiving duplicates behaves
 * unpredictably). A key policy with `"Effect": "Allow", "Effect": "Deny"` therefore means different things
 * to different readers, and no analysis of one reading can vouch for the key.
 * https://www.rfc-editor.org/rfc/rfc8259#section-4
 */

import { memoize } from './memo';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `.name` or `["name"]`: the step from an object to its member `name`. */
function memberStep(name: string): string {
  return IDENTIFIER.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

// Policies name the same few members (Principal, AWS, StringEquals, aws:SourceAccount…) over and over.
const memberSteps = memoize(memberStep, 1_000);

/**
 * The JSON path of member `name` of the object at `path`: `$.Statement`, `$.Condition["aws:SourceArn"]`.
 * The step is shared between paths, so a path is the object's path and one link to that step: the parsed
 * policy keeps a path for every statement, principal and condition.
 */
export function keyPath(path: string, name: string): string {
  return path + memberSteps(name);
}

const QUOTE = 34;

function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/**
 * An upper bound on the keys written in `text`: every key ends with a quote followed (after optional
 * whitespace) by a colon. A value may hold such a pair too (`"a\":b"`), which only raises the bound.
 */
function keyMarkers(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    let j = i - 1;
    let c = text.charCodeAt(j);
    while (isJsonSpace(c)) c = text.charCodeAt(--j);
    if (c === QUOTE) n++;
  }
  return n;
}

/** The members of every object in a parsed JSON value (each distinct key once per object). */
function members(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    for (const k in v) {
      n++;
      const item = (v as Record<string, unknown>)[k];
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return n;
}

/** The index just past the string that opens at `start` (a quote). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q === -1) return text.length;
    let slashes = 0;
    for (let j = q - 1; text.charCodeAt(j) === 92; j--) slashes++;
    if (slashes % 2 === 0) return q + 1;
    i = q + 1;
  }
}

interface Container {
  object: boolean;
  path: string;
  keys: Set<string> | undefined;
  /** The key (object) or the index (array) of the value being read. */
  key: string;
  index: number;
}

/** Every key of `text` (valid JSON) that repeats a key of the same object, by JSON path, each path once. */
function scanDuplicates(text: string): string[] {
  const found = new Set<string>();
  const stack: Container[] = [];
  let expectKey = false;
  const valuePath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '$';
    return top.object ? keyPath(top.path, top.key) : `${top.path}[${top.index}]`;
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const raw = text.slice(i + 1, end - 1);
        // The same key may be spelled with escapes ("Eff\u0065ct"): compare decoded names.
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
        if (top.keys.has(name)) found.add(keyPath(top.path, name));
        else top.keys.add(name);
        top.key = name;
        expectKey = false;
      }
      i = end;
      continue;
    }
    switch (c) {
      case 123: // {
        stack.push({ object: true, path: valuePath(), keys: new Set(), key: '', index: 0 });
        expectKey = true;
        break;
      case 91: // [
        stack.push({ object: false, path: valuePath(), keys: undefined, key: '', index: 0 });
        expectKey = false;
        break;
      case 125: // }
      case 93: // ]
        stack.pop();
        expectKey = false;
        break;
      case 44: {
        // ,
        const top = stack[stack.length - 1];
        if (top?.object) expectKey = true;
        else if (top) top.index++;
        break;
      }
      default:
        break;
    }
    i++;
  }
  return [...found];
}

/**
 * The JSON paths of keys that appear more than once in one object of `text`, which JSON.parse read as
 * `parsed`. A cheap count settles the common case: each duplicate makes the parsed value one member short
 * of the keys written, and the keys written are at most the quote-colon pairs of the text, so when those
 * equal the parsed members there is no duplicate. Otherwise the text is scanned key by key. A caller that
 * has already counted the members of every object of `parsed` passes `memberCount`.
 */
export function duplicateKeyPaths(text: string, parsed: unknown, memberCount?: number): string[] {
  if (typeof parsed !== 'object' || parsed === null) return [];
  if (keyMarkers(text) === (memberCount ?? members(parsed))) return [];
  return scanDuplicates(text);
}

type PathSegment = string | number;

/** The segments of a path in the engine's format (`$.a[0]["b c"]`), or undefined if it is not one. */
export function pathSegments(path: string): PathSegment[] | undefined {
  if (!path.startsWith('$')) return undefined;
  const out: PathSegment[] = [];
  const step = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  step.lastIndex = 1;
  while (step.lastIndex < path.length) {
    const m = step.exec(path);
    if (!m) return undefined;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else {
      try {
        out.push(JSON.parse(m[3] ?? '""') as string);
      } catch {
        return undefined;
      }
    }
  }
  return out;
}

/** The value at `segments` inside `doc`, if there is one. */
export function valueAt(doc: unknown, segments: readonly PathSegment[]): { value: unknown } | undefined {
  let v: unknown = doc;
  for (const s of segments) {
    if (typeof s === 'number') {
      if (!Array.isArray(v) || s >= v.length) return undefined;
      v = v[s];
    } else {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, s)) return undefined;
      v = (v as Record<string, unknown>)[s];
    }
  }
  return { value: v };
}
