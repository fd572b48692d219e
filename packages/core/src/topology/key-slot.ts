import type { RedisArgument } from 'redis';

/** Number of hash slots of a Redis Cluster. */
export const SLOT_COUNT = 16_384;

const TABLE = crc16Table();

/**
 * The cluster hash slot of `key`, as Redis computes it: CRC16 (XMODEM) of the key's hash tag — the
 * part between the first `{` and the next `}`, when not empty — or of the whole key, modulo 16384.
 */
export function keySlot(key: RedisArgument): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key;
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  return crc % SLOT_COUNT;
}

/**
 * The slot every key matching the glob `pattern` lies in, when its hash tag is fixed
 * (`ipc:{orders}:v:*`), else `undefined` (the keys may lie anywhere).
 */
export function patternSlot(pattern: string): number | undefined {
  const open = pattern.indexOf('{');
  const close = open < 0 ? -1 : pattern.indexOf('}', open + 1);
  if (close <= open + 1) return undefined;
  // A glob character before or inside the tag could match a different tag.
  if (/[*?[\\]/.test(pattern.slice(0, close + 1))) return undefined;
  return keySlot(pattern.slice(0, close + 1));
}

function crc16Table(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
}
