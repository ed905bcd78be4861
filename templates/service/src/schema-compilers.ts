/**
 * Fastify's schema compilers, loaded when the schemas are compiled rather than when the
 * Fastify instance is made. Each route gets a stand-in that compiles on first use; main.ts
 * compiles all of them (`compileAll`) before the service listens, so requests find them
 * compiled and a broken schema stops the service before anything reports it ready: one fatal
 * log line, exit 1. The route tests compile every schema too.
 */
import { createRequire } from "node:module";
import type { FastifyServerOptions } from "fastify";

type SchemaController = NonNullable<FastifyServerOptions["schemaController"]>;
type Factories = NonNullable<SchemaController["compilersFactory"]>;
type BuildValidator = NonNullable<Factories["buildValidator"]>;
type BuildSerializer = NonNullable<Factories["buildSerializer"]>;
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown };

// Run from source (tests, tsx) these resolve from Fastify's own directory: the very compilers
// Fastify would load itself. In the built service they are the bundle's copies: esbuild turns
// each `require("...")` below into the bundled module, run on first use, not at start
// (ES modules have no `require`, the bundle does). Loading them from node_modules instead
// takes twice as long as the compiling, right when the first request waits (measured).
const fromFastify = createRequire(createRequire(import.meta.url).resolve("fastify"));

function validatorCompilers(): () => BuildValidator {
  return typeof require === "function"
    ? require("@fastify/ajv-compiler")
    : fromFastify("@fastify/ajv-compiler");
}

function serializerCompilers(): () => BuildSerializer {
  return typeof require === "function"
    ? require("@fastify/fast-json-stringify-compiler")
    : fromFastify("@fastify/fast-json-stringify-compiler");
}

export interface SchemaCompilers {
  /** Fastify's `schemaController` option. */
  controller: SchemaController;
  /** Compiles every schema not compiled yet; throws what a broken schema throws. */
  compileAll: () => void;
}

export function deferredSchemaCompilers(): SchemaCompilers {
  const pending: (() => unknown)[] = [];
  /** `compile` at most once, on first use or in compileAll, whichever comes first. */
  const once = <T>(compile: () => T): (() => T) => {
    let compiled: T | undefined;
    const get = () => (compiled ??= compile());
    pending.push(get);
    return get;
  };

  const buildValidator: BuildValidator = (externalSchemas, options) => {
    const compiler = once(() => validatorCompilers()()(externalSchemas, options));
    return (route) => {
      const validate = once(() => compiler()(route) as Validate);
      // Fastify reads `errors` after a failed validation (Ajv's convention), and passes the
      // parent object to validators that carry `schemaEnv` (so Ajv may coerce a root value).
      const stand: Validate & { schemaEnv: true } = (data, context) => {
        const fn = validate();
        const valid = fn(data, context);
        stand.errors = fn.errors;
        return valid;
      };
      stand.schemaEnv = true;
      return stand as never;
    };
  };

  const buildSerializer: BuildSerializer = (externalSchemas, options) => {
    const compiler = once(() => serializerCompilers()()(externalSchemas, options));
    return (route) => {
      const serialize = once(() => compiler()(route));
      return (data) => serialize()(data);
    };
  };

  return {
    controller: { compilersFactory: { buildValidator, buildSerializer } },
    compileAll: () => {
      for (const compile of pending) compile();
    },
  };
}
