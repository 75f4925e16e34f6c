/**
 * Reading policy files: a PATH is a file, a directory (every *.json below it) or "-" for stdin.
 * A path that cannot be read becomes an error entry; the others are still read.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CliIo } from './io';

export type PolicyInput = { file: string; text: string } | { file: string; error: string };

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
    default:
      return err.message ?? String(e);
  }
}

export async function readInputs(paths: readonly string[], io: CliIo, extensions = ['.json']): Promise<PolicyInput[]> {
  const out: PolicyInput[] = [];
  for (const path of paths) {
    if (path === '-') {
      try {
        out.push({ file: '-', text: await io.readStdin() });
      } catch (e) {
        out.push({ file: '-', error: `cannot read standard input: ${ioMessage(e)}` });
      }
      continue;
    }
    try {
      const s = await stat(path);
      if (s.isDirectory()) {
        const files = await listFiles(path, extensions);
        if (files.length === 0) out.push({ file: path, error: `no ${extensions.join('/')} files below this directory` });
        for (const f of files) out.push(await readOne(f));
      } else out.push(await readOne(path));
    } catch (e) {
      out.push({ file: path, error: `cannot read: ${ioMessage(e)}` });
    }
  }
  return out;
}

async function listFiles(dir: string, extensions: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      out.push(...(await listFiles(p, extensions)));
    } else if (e.isFile() && extensions.some((x) => e.name.toLowerCase().endsWith(x))) out.push(p);
  }
  return out;
}

async function readOne(file: string): Promise<PolicyInput> {
  try {
    return { file, text: await readFile(file, 'utf8') };
  } catch (e) {
    return { file, error: `cannot read: ${ioMessage(e)}` };
  }
}

/**
 * `aws kms get-key-policy` prints {"Policy": "<policy as a JSON string>"}: accept that shape too.
 */
export function unwrapPolicyText(text: string): { text: string; unwrapped: boolean } {
  try {
    const doc: unknown = JSON.parse(text);
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
      const keys = Object.keys(doc);
      const policy = (doc as Record<string, unknown>).Policy;
      if (typeof policy === 'string' && keys.every((k) => k === 'Policy' || k === 'PolicyName')) return { text: policy, unwrapped: true };
    }
  } catch {
    // not JSON: the engine reports it
  }
  return { text, unwrapped: false };
}
