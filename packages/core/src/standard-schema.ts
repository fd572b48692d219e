/**
 * The Standard Schema interface (https://standardschema.dev), implemented by zod, valibot, arktype and
 * others. Copied here, as the spec recommends, so that no schema library is a dependency.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema properties. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

/** Types of the Standard Schema interface. */
export declare namespace StandardSchemaV1 {
  /** The properties a Standard Schema exposes. */
  export interface Props<Input = unknown, Output = Input> {
    /** Version of the interface. */
    readonly version: 1;
    /** Name of the library that made the schema. */
    readonly vendor: string;
    /** Validates an unknown value. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    /** Inferred types, for type-level use only. */
    readonly types?: Types<Input, Output> | undefined;
  }
  /** The outcome of a validation. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;
  /** A value that passed. */
  export interface SuccessResult<Output> {
    /** The validated (possibly transformed) value. */
    readonly value: Output;
    /** Absent on success. */
    readonly issues?: undefined;
  }
  /** A value that failed. */
  export interface FailureResult {
    /** What is wrong with it. */
    readonly issues: ReadonlyArray<Issue>;
  }
  /** One problem found by the schema. */
  export interface Issue {
    /** Human-readable description. */
    readonly message: string;
    /** Where in the value. */
    readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
  }
  /** Type carriers. */
  export interface Types<Input = unknown, Output = Input> {
    /** The input type. */
    readonly input: Input;
    /** The output type. */
    readonly output: Output;
  }
  /** The output type of a schema. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['output'];
}
