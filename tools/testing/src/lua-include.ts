import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

const INCLUDE = /^--- @include "([^"]+)"[ \t]*$/gm;

/**
 * Reads a Lua script and replaces each `--- @include "includes/<name>.lua"` line with that file's
 * text (paths relative to the including file, nested includes expanded, each file at most once), so
 * scripts share helpers while Redis still receives one self-contained script.
 */
export async function readLuaWithIncludes(path: string, seen = new Set<string>()): Promise<string> {
  seen.add(path);
  const text = await readFile(path, 'utf8');
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(INCLUDE)) {
    parts.push(text.slice(last, match.index));
    const included = resolve(dirname(path), match[1] as string);
    parts.push(seen.has(included) ? '' : await readLuaWithIncludes(included, seen));
    last = match.index + match[0].length;
  }
  parts.push(text.slice(last));
  return parts.join('');
}
