/**
 * One stream entry exactly as node-redis returns it: `[id, [field, value, ...]]` (Buffers in binary
 * mode; no fields for an entry deleted while pending). Kept as is until delivered, to spare an
 * allocation per event on the hot path.
 */
export type ReplyEntry = readonly [id: string | Buffer, fields: ReadonlyArray<string | Buffer> | null];

/** The field every entry stores its encoded value in (the Rust crate's layout). */
export const CONTENT_FIELD = 'content';

const CONTENT_BYTES = Buffer.from(CONTENT_FIELD);

/** The id of a reply entry, as a string. */
export function entryId(entry: ReplyEntry): string {
  const id = entry[0];
  return typeof id === 'string' ? id : id.toString('latin1');
}

/** The `content` field of a reply entry, or `undefined` when it has none. */
export function contentOf(entry: ReplyEntry): string | Buffer | undefined {
  const fields = entry[1];
  if (!fields) return undefined;
  // The usual entry has exactly one field: look there first.
  if (fields[0] === CONTENT_FIELD) return fields[1];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const field = fields[i]!;
    if (typeof field === 'string' ? field === CONTENT_FIELD : field.equals(CONTENT_BYTES))
      return fields[i + 1];
  }
  return undefined;
}

/** Every field and value of an entry, as text, for an error message. */
export function describeFields(entry: ReplyEntry): string {
  return (entry[1] ?? []).map(String).join(' ');
}

/** Entries of an XRANGE-shaped reply. */
export function replyEntries(reply: unknown): ReplyEntry[] {
  return Array.isArray(reply) ? (reply as ReplyEntry[]) : [];
}

/**
 * The entries of one stream in an XREAD / XREADGROUP reply, whatever the protocol: RESP3 gives a map
 * (an object, or a Map with a type mapping), RESP2 an array of `[key, entries]`.
 */
export function streamEntriesOf(reply: unknown): ReplyEntry[] {
  if (reply === null || reply === undefined) return [];
  if (Array.isArray(reply)) {
    const first = reply[0] as [unknown, unknown] | undefined;
    return first ? replyEntries(first[1]) : [];
  }
  if (reply instanceof Map) {
    for (const value of reply.values()) return replyEntries(value);
    return [];
  }
  for (const key in reply as Record<string, unknown>) {
    return replyEntries((reply as Record<string, unknown>)[key]);
  }
  return [];
}

/** A field of a record reply (RESP3 map as object or Map, or a RESP2 flat array), as a string. */
export function fieldOf(record: unknown, name: string): string | undefined {
  let value: unknown;
  if (Array.isArray(record)) {
    for (let i = 0; i + 1 < record.length; i += 2) {
      if (String(record[i]) === name) {
        value = record[i + 1];
        break;
      }
    }
  } else if (record instanceof Map) {
    value = record.get(name);
  } else if (record !== null && typeof record === 'object') {
    value = (record as Record<string, unknown>)[name];
  }
  return value === null || value === undefined ? undefined : String(value);
}

/** Turns a nullable string-or-Buffer reply into a string. */
export function optionalString(value: unknown): string | undefined {
  return value === null || value === undefined || value === false ? undefined : String(value);
}
