import { readFile } from 'node:fs/promises';

/** One fenced code block of a Markdown file. */
export interface Snippet {
  /** The Markdown file, as given. */
  readonly file: string;
  /** Line of the block's first code line (1-based). */
  readonly line: number;
  /** The fence's language (`ts`, `sh`, …). */
  readonly lang: string;
  readonly code: string;
}

const FENCE = /^```(\w*)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm;

/** The fenced code blocks of `file` written in one of `langs`. */
export async function markdownSnippets(file: string, langs: readonly string[]): Promise<Snippet[]> {
  const text = await readFile(file, 'utf8');
  const snippets: Snippet[] = [];
  for (const match of text.matchAll(FENCE)) {
    const lang = match[1] ?? '';
    if (!langs.includes(lang)) continue;
    const line = text.slice(0, match.index).split('\n').length + 1;
    snippets.push({ file, line, lang, code: match[2] ?? '' });
  }
  return snippets;
}

/** The snippet's text with the one `// …` comment line it may start with that names it removed. */
export function snippetTitle(snippet: Snippet): string {
  return `${snippet.file}:${snippet.line}`;
}
