import { type Codec, jsonCodec } from './codec.js';
import { DecodeError, InvalidArgumentError, PayloadTooLargeError } from './errors.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/** Default for {@link PayloadOptions.maxPayloadBytes}: 16 MiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** How a structure turns its values into stored payloads. */
/** The names of {@link PayloadOptions}, for factories that refuse options they do not know. */
export const PAYLOAD_OPTION_NAMES = ['codec', 'schema', 'maxPayloadBytes'] as const;

export interface PayloadOptions<T> {
  /**
   * Encodes values to strings or Buffers and back.
   * @default jsonCodec()
   */
  codec?: Codec<T>;
  /**
   * A Standard Schema (zod, valibot, arktype, …) that every decoded value must pass. A value that
   * fails is reported as a {@link DecodeError} and kept, never dropped.
   * @default undefined (no validation)
   */
  schema?: StandardSchemaV1<unknown, T>;
  /**
   * Largest encoded payload accepted for writing, in bytes; a larger one is refused with
   * {@link PayloadTooLargeError} before anything is sent.
   * @default 16777216 (16 MiB)
   */
  maxPayloadBytes?: number;
}

/**
 * Encodes and decodes the payloads of one structure: codec, size limit and schema in one place.
 */
export class PayloadCodec<T> {
  /** The codec in use. */
  readonly codec: Codec<T>;
  /** The schema in use, if any. */
  readonly schema: StandardSchemaV1<unknown, T> | undefined;
  /** The size limit in bytes. */
  readonly maxPayloadBytes: number;

  constructor(options: PayloadOptions<T> = {}) {
    this.codec = options.codec ?? jsonCodec<T>();
    this.schema = options.schema;
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!(this.maxPayloadBytes > 0)) throw new InvalidArgumentError('maxPayloadBytes must be positive');
  }

  /** Whether payloads are read back as Buffers. */
  get binary(): boolean {
    return this.codec.binary === true;
  }

  /** Encodes a value, or throws {@link InvalidArgumentError} / {@link PayloadTooLargeError}. */
  encode(value: T): string | Buffer {
    let encoded: string | Buffer;
    try {
      encoded = this.codec.encode(value);
    } catch (error) {
      throw new InvalidArgumentError(
        `${this.codec.name} codec could not encode the value: ${message(error)}`,
        {
          cause: error,
        },
      );
    }
    // A UTF-8 string is at most 3 bytes per UTF-16 unit: skip counting when that bound already fits.
    const bound = typeof encoded === 'string' ? encoded.length * 3 : encoded.length;
    if (bound > this.maxPayloadBytes) {
      const size = typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.length;
      if (size > this.maxPayloadBytes) throw new PayloadTooLargeError(size, this.maxPayloadBytes);
    }
    return encoded;
  }

  /**
   * Decodes a stored payload and checks it against the schema. Throws {@link DecodeError} carrying
   * the raw payload and `id`. Resolves synchronously-fast when there is no schema.
   */
  async decode(raw: string | Buffer, id?: string): Promise<T> {
    const value = this.decodeUnchecked(raw, id);
    if (this.schema === undefined) return value;
    let result = this.schema['~standard'].validate(value);
    if (result instanceof Promise) result = await result;
    if (result.issues) {
      const summary = result.issues.map((issue) => issue.message).join('; ');
      throw new DecodeError(`Payload failed the schema: ${summary}`, { raw, id, issues: result.issues });
    }
    return result.value;
  }

  /** Decodes without the schema; throws {@link DecodeError}. */
  decodeUnchecked(raw: string | Buffer, id?: string): T {
    try {
      return this.codec.decode(raw);
    } catch (error) {
      throw new DecodeError(
        `${this.codec.name} codec could not decode the payload: ${message(error)}`,
        {
          raw,
          id,
        },
        { cause: error },
      );
    }
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
