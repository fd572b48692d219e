// Tests import the package's public surface from its source.
export * from '../src/index.js';

/** The fields of a DecodeError tests look at. */
export interface DecodeErrorLike {
  code: string;
  id: string | undefined;
  raw: string | Buffer;
  issues: ReadonlyArray<{ message: string }> | undefined;
}
