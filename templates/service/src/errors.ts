/**
 * One JSON error shape for every failure: `{ statusCode, error, message, requestId }`.
 * The request id lets a caller quote the exact log lines of their failed request.
 */
import { STATUS_CODES } from "node:http";
import type { FastifyError, FastifyInstance } from "fastify";

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  requestId: string;
}

function body(statusCode: number, message: string, requestId: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? "Error", message, requestId };
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => {
    return reply
      .code(404)
      .send(body(404, `Route ${request.method} ${request.url} not found`, request.id));
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    if (status < 500) {
      // The caller's mistake (validation, bad JSON, too large ...): the message helps them.
      request.log.info({ err: error }, "request rejected");
      return reply.code(status).send(body(status, error.message, request.id));
    }
    // Our mistake: the stack goes to the log, never to the caller (it can leak internals).
    request.log.error({ err: error }, "request failed");
    return reply.code(status).send(body(status, STATUS_CODES[status] ?? "Error", request.id));
  });
}
