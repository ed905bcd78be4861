/**
 * The baseline server: a bare Fastify hello world with its pino logger on, importing the very
 * fastify copy installed in the generated service (FASTIFY_FROM = that service's directory).
 * Same route and response shape as the service's example route; no schema, hooks or metrics.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const from = process.env.FASTIFY_FROM;
if (!from) throw new Error('FASTIFY_FROM (the generated service directory) is not set');
const entry = createRequire(path.join(from, 'package.json')).resolve('fastify');
const { default: Fastify } = await import(pathToFileURL(entry).href);

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } });
app.get('/v1/hello', async (request) => ({ message: `Hello, ${request.query.name ?? 'world'}!` }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
