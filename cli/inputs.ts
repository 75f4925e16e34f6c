/**
 * Reading policy files: a PATH is a file, a folder (every file with a given extension below it) or "-" for
 * stdin. A path that cannot be read becomes an error entry; the others are still read.
 *
 * The walk of a folder goes into every subfolder, dot-folders included, except `.git` and `node_modules`.
 * Symbolic links are followed when their target lies inside the folder being walked, and each real file or
 * folder is taken once (a link to something already walked, or a loop back to a parent, adds nothing). A
 * link leading outside is not read, unless `followSymlinks`: in CI a checked-out repository could point one
 * at the runner's credentials. It is reported as an input that was not read, so the run is never clean.
 * Special files (named pipes, sockets, devices) found in a walk are reported and never opened: reading a
 * named pipe blocks until something writes to it.
 */
import type { Dirent, Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, normalize, sep } from 'node:path';
import type { CliIo } from './io';
import type { ResultEntry } from './report';

export type InputFile =
  /** `root`: the folder given on the command line, when the file was found by walking it. */
  | { file: string; text: string; root?: string }
  | { file: string; error: string; root?: string };

/** The file system calls the walk makes; tests replace some to make them fail. */
export interface InputFs {
  stat(path: string): Promise<Stats>;
  realpath(path: string): Promise<string>;
  readdir(path: string): Promise<Dirent[]>;
  readFile(path: string): Promise<string>;
}

export const NODE_INPUT_FS: InputFs = {
  stat: (p) => stat(p),
  realpath: (p) => realpath(p),
  readdir: (p) => readdir(p, { withFileTypes: true }),
  readFile: (p) => readFile(p, 'utf8'),
};

export interface ReadOptions {
  /**
   * Also read symbolic links that lead outside the folder being walked. A command that offers the choice
   * (`--follow-symlinks`) passes a boolean; left undefined, links outside are not read and the error does
   * not suggest the flag.
   */
  followSymlinks?: boolean;
  /** @default NODE_INPUT_FS */
  fs?: InputFs;
}

/** Folders a walk never enters (their names are matched, whatever they are). */
const UNWALKED_FOLDERS: ReadonlySet<string> = new Set(['.git', 'node_modules']);

function ioMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links (a link cycle)';
    default:
      return err.message ?? String(e);
  }
}

function special(s: Dirent | Stats): string {
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  if (s.isBlockDevice() || s.isCharacterDevice()) return 'a device';
  return 'not a regular file';
}

export async function readInputs(paths: readonly string[], io: CliIo, extensions: readonly string[] = ['.json'], options: ReadOptions = {}): Promise<InputFile[]> {
  const fs = options.fs ?? NODE_INPUT_FS;
  const out: InputFile[] = [];
  for (const path of paths) {
    if (path === '-') {
      try {
        out.push({ file: '-', text: await io.readStdin() });
      } catch (e) {
        out.push({ file: '-', error: `cannot read standard input: ${ioMessage(e)}` });
      }
      continue;
    }
    let isFolder: boolean;
    try {
      isFolder = (await fs.stat(path)).isDirectory();
    } catch (e) {
      out.push({ file: path, error: `cannot read: ${ioMessage(e)}` });
      continue;
    }
    // A file named on the command line is read whatever it is (a pipe from `<(aws kms get-key-policy …)` too).
    if (!isFolder) {
      out.push(await readOne(fs, path));
      continue;
    }
    let entries: WalkEntry[];
    try {
      entries = await walk(fs, path, extensions, options.followSymlinks);
    } catch (e) {
      out.push({ file: path, error: `cannot read: ${ioMessage(e)}` });
      continue;
    }
    if (entries.length === 0) out.push({ file: path, error: `no ${extensions.join('/')} files below this directory` });
    for (const entry of entries) out.push({ ...('error' in entry ? entry : await readOne(fs, entry.file)), root: path });
  }
  return out;
}

type WalkEntry = { file: string } | { file: string; error: string };

/**
 * A folder's path to build child paths from with `path.join`: the path as given, or its real path when
 * joining would name files of another folder (see walkStart). A path that cannot be resolved is returned as
 * given: reading it reports why.
 */
export async function joinablePath(path: string, fs: InputFs = NODE_INPUT_FS): Promise<string> {
  try {
    return await walkStart(fs, path, await fs.realpath(path));
  } catch {
    return path;
  }
}

/**
 * The path the walk names files from. The kernel resolves `..` after following a link (`lnk/..` is the
 * parent of the link's target), while `path.join` removes `lnk/..` as text: joined names would open files
 * of another folder than the one listed. The given path is kept when its normalised form is the same
 * folder; otherwise files are named from the folder's real path, which is what is read.
 */
async function walkStart(fs: InputFs, root: string, realRoot: string): Promise<string> {
  const joined = normalize(root);
  if (joined === root || !root.split(/[\\/]/).includes('..')) return root;
  try {
    if ((await fs.realpath(joined)) === realRoot) return root;
  } catch {
    // The normalised path names nothing: the given one reached its folder only through a link.
  }
  return realRoot;
}

/** Path order, segment by segment, so a folder's files stay together whatever characters follow its name. */
function comparePaths(a: string, b: string): number {
  const x = a.split(sep);
  const y = b.split(sep);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i] ?? '', y[i] ?? ''];
    if (p !== q) return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * The files to read below `root`, and the paths that could not be walked. Real folders are walked first and
 * links after, so a file reached both ways is named by its real path.
 */
async function walk(fs: InputFs, root: string, extensions: readonly string[], followSymlinks: boolean | undefined): Promise<WalkEntry[]> {
  const realRoot = await fs.realpath(root);
  const start = await walkStart(fs, root, realRoot);
  const inside = (real: string) => real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  const wanted = (name: string) => extensions.some((x) => name.toLowerCase().endsWith(x));
  const taken = new Set<string>();
  const out: WalkEntry[] = [];
  const links: string[] = [];

  const takeFile = (file: string, real: string) => {
    if (taken.has(real)) return;
    taken.add(real);
    out.push({ file });
  };

  const folder = async (path: string, real: string): Promise<void> => {
    if (taken.has(real)) return;
    taken.add(real);
    let entries: Dirent[];
    try {
      entries = await fs.readdir(path);
    } catch (e) {
      out.push({ file: path, error: `cannot read this folder: ${ioMessage(e)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (UNWALKED_FOLDERS.has(e.name)) continue;
      const p = join(path, e.name);
      if (e.isSymbolicLink()) links.push(p);
      else if (e.isDirectory()) await folder(p, join(real, e.name));
      else if (!wanted(e.name)) continue;
      else if (e.isFile()) takeFile(p, join(real, e.name));
      else out.push({ file: p, error: `not read: ${special(e)}, not a regular file` });
    }
  };

  await folder(start, realRoot);
  // Links found while following links are appended, and followed in turn.
  for (let i = 0; i < links.length; i++) {
    const link = links[i] as string;
    let target: string;
    let s: Stats;
    try {
      target = await fs.realpath(link);
      s = await fs.stat(target);
    } catch (e) {
      // A dangling link is reported when its name is one the walk reads; other failures (a cycle, a
      // permission) could hide a folder, so they are always reported.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || wanted(basename(link))) {
        out.push({ file: link, error: `cannot follow this symbolic link: ${ioMessage(e)}` });
      }
      continue;
    }
    if (!s.isDirectory() && !wanted(basename(link))) continue;
    if (!inside(target) && followSymlinks !== true) {
      out.push({
        file: link,
        error: `not read: a symbolic link to ${target}, outside the folder being walked (${root}); name that file on the command line${followSymlinks === false ? ', or pass --follow-symlinks,' : ''} to judge it`,
      });
      continue;
    }
    if (s.isDirectory()) await folder(link, target);
    else if (s.isFile()) takeFile(link, target);
    else out.push({ file: link, error: `not read: a symbolic link to ${special(s)}, not a regular file` });
  }
  return out.sort((a, b) => comparePaths(a.file, b.file));
}

async function readOne(fs: InputFs, file: string): Promise<InputFile> {
  try {
    return { file, text: await fs.readFile(file) };
  } catch (e) {
    return { file, error: `cannot read: ${ioMessage(e)}` };
  }
}

/**
 * `aws kms get-key-policy` prints {"Policy": "<policy as a JSON string>"}: accept that shape too.
 */
export function unwrapPolicyText(text: string, parsed: ParsedText): { text: string; unwrapped: boolean } {
  const doc = parsed.ok ? parsed.value : undefined;
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    const keys = Object.keys(doc);
    const policy = (doc as Record<string, unknown>).Policy;
    if (typeof policy === 'string' && keys.every((k) => k === 'Policy' || k === 'PolicyName')) return { text: policy, unwrapped: true };
  }
  // Not JSON, or not the get-key-policy shape: the engine judges the text as given (and reports what is wrong).
  return { text, unwrapped: false };
}

/** The text read as JSON once, for the looks a command takes before handing the text to the engine. */
export type ParsedText = { ok: true; value: unknown } | { ok: false };

export function parseText(text: string): ParsedText {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Per folder given on the command line: the files its walk found, and how many of those the command passed
 * over as not its kind of input. A folder where every file found was passed over judged nothing, and that is
 * not a clean result: it becomes an error entry.
 */
export class WalkTally {
  private readonly folders = new Map<string, { found: number; passedOver: number }>();

  private folder(root: string): { found: number; passedOver: number } {
    let folder = this.folders.get(root);
    if (folder === undefined) this.folders.set(root, (folder = { found: 0, passedOver: 0 }));
    return folder;
  }

  /** A file found below `root` (every one, whatever becomes of it). */
  found(root: string): void {
    this.folder(root).found += 1;
  }

  /** A file found below `root` that the command passed over. */
  passedOver(root: string): void {
    this.folder(root).passedOver += 1;
  }

  /**
   * An error entry for each folder that judged nothing, in the order the folders were first seen: `no <what>
   * below this folder: <why(n)>; …`, where n is the number of files passed over.
   */
  judgedNothing(what: string, why: (passedOver: number) => string): ResultEntry[] {
    return [...this.folders]
      .filter(([, n]) => n.found > 0 && n.passedOver === n.found)
      .map(([root, n]) => ({
        subject: root,
        findings: [],
        warnings: [],
        error: `no ${what} below this folder: ${why(n.passedOver)}; name a file on the command line to judge it anyway`,
      }));
  }
}
