// The one place errors become responses: `{ "error": { "reason", "message", "field"? } }`. An
// unexpected error is logged with its stack and answered with a generic 500 that carries no stack
// and no internals (S24).

import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { ApiError } from '../api-error';

export function sendError(res: import('express').Response, e: ApiError): void {
  if (e.retryAfterSec !== undefined) res.set('Retry-After', String(e.retryAfterSec));
  res.status(e.status).json({
    error: { reason: e.reason, message: e.message, ...(e.field === undefined ? {} : { field: e.field }) },
  });
}

/** A zod failure as a 400 naming the first bad field. */
export function fromZod(error: z.ZodError, what: string): ApiError {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join('.') || what;
  return new ApiError(400, 'bad_request', `${field}: ${issue.message}`, field);
}

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ApiError) return sendError(res, err);
    // body-parser errors carry a status and a type
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large')
      return sendError(
        res,
        new ApiError(
          413,
          'too_large',
          `request body is larger than ${(err as { limit?: number }).limit} bytes`,
        ),
      );
    if (type === 'entity.parse.failed')
      return sendError(res, new ApiError(400, 'bad_json', 'request body is not valid JSON'));
    if (type === 'request.aborted') return void res.destroy();
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return sendError(res, new ApiError(status, 'bad_request', (err as Error).message ?? 'bad request'));
    log.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    sendError(res, new ApiError(500, 'internal', 'internal error'));
  };
}
