// The express application: routes plus request logging, metrics and the error handler.

import express from 'express';
import { ApiError } from '../api-error';
import type { AppContext } from './context';
import { errorHandler, sendError } from './errors';
import { adminRoutes } from './routes-admin';
import { modelRoutes } from './routes-models';
import { opsRoutes } from './routes-ops';
import { roundRoutes } from './routes-rounds';

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.trustProxy);
  app.set('etag', false); // our own ETags: content hashes, not express's body hashes

  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const seconds = (performance.now() - started) / 1000;
      ctx.metrics.httpSeconds.observe({ route, status: String(res.statusCode) }, seconds);
      if (res.statusCode >= 500)
        ctx.log.error({ method: req.method, url: req.originalUrl, status: res.statusCode }, 'request');
      else
        ctx.log.debug(
          { method: req.method, url: req.originalUrl, status: res.statusCode, ms: seconds * 1000 },
          'request',
        );
    });
    next();
  });

  app.use(opsRoutes(ctx));
  app.use(modelRoutes(ctx));
  app.use(roundRoutes(ctx));
  app.use(adminRoutes(ctx));
  app.use((req, res) =>
    sendError(res, new ApiError(404, 'not_found', `no route for ${req.method} ${req.path}`)),
  );
  app.use(errorHandler(ctx.log));
  return app;
}
