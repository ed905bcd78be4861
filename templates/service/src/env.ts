/**
 * Builders for the environment schema in config.ts. Each variable is a JSON Schema property
 * (what Ajv validates, what `npm run env:build` documents), carrying the TypeScript type of
 * its value, so the schema is written once and `Config` follows from it.
 */

/** The JSON Schema keywords the environment uses (all a string can be coerced to). */
export interface VariableSchema {
  type: "integer" | "string";
  description: string;
  default?: number | string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  enum?: readonly string[];
  /** What a refused value breaks, in words (the message names the variable and this rule). */
  rule: string;
}

/** A variable whose value, after validation and defaults, is a `T`. */
export type Variable<T> = VariableSchema & { readonly __value?: T };

class Kind<T> {
  constructor(private readonly schema: Omit<VariableSchema, "description" | "default">) {}

  /** Unset is fine: the value is undefined. */
  optional(description: string): Variable<T | undefined> {
    return { ...this.schema, description };
  }

  /** Unset means `fallback`. */
  default(fallback: T & (number | string), description: string): Variable<T> {
    return { ...this.schema, description, default: fallback };
  }
}

export function integer(minimum: number, maximum: number): Kind<number> {
  return new Kind({
    type: "integer",
    minimum,
    maximum,
    rule: `must be a whole number from ${minimum} to ${maximum}`,
  });
}

export function oneOf<const T extends string>(values: readonly T[]): Kind<T> {
  return new Kind({ type: "string", enum: values, rule: `must be one of ${values.join(", ")}` });
}

export function text(
  options: { maxLength?: number; pattern?: RegExp; rule?: string } = {},
): Kind<string> {
  const { maxLength, pattern } = options;
  const rule =
    options.rule ??
    (maxLength === undefined ? "must be text" : `must be at most ${maxLength} characters`);
  return new Kind({
    type: "string",
    ...(maxLength === undefined ? {} : { maxLength }),
    ...(pattern === undefined ? {} : { pattern: pattern.source }),
    rule,
  });
}

/** The value type of every variable of a schema. */
export type EnvOf<S extends Record<string, Variable<unknown>>> = {
  [K in keyof S]: S[K] extends Variable<infer T> ? T : never;
};

/** The JSON Schema Ajv compiles: annotations (description, rule) left out, they change no check. */
export function jsonSchemaOf(variables: Record<string, VariableSchema>): object {
  const properties: Record<string, object> = {};
  for (const [name, { description: _description, rule: _rule, ...checks }] of Object.entries(
    variables,
  )) {
    properties[name] = checks;
  }
  return { type: "object", properties };
}
