// Request bodies with a hard size limit (S15). express.raw / express.json answer an oversized body only
// after reading it all off the socket (body-parser drains the request before calling next), so a client
// announcing 1 GiB would hold the connection until it had sent 1 GiB. Here the answer comes at once: a
// Content-Length over the limit is refused before one body byte is read, and a chunked body is refused
// as soon as it passes the limit. Either way the 413 goes out with `Connection: close` and the socket is
// closed after it, so nothing more is read or buffered.

import type { RequestHandler, Response } from 'express';
import { ApiError } from '../api-error';
import type { BodyPool } from './body-pool';

function refuse(res: Response, limit: number): ApiError {
  res.set('Connection', 'close');
  res.on('finish', () => res.req.socket.destroy());
  return new ApiError(413, 'too_large', `request body is larger than the limit of ${limit} bytes`);
}

/**
 * Reads the body into req.body as a Buffer (empty when there is none). `limit` may depend on the
 * request (an upload's limit comes from its round's layout), read from res.locals.bodyLimit when set.
 * With a `pool`, a body with a Content-Length lands in a buffer from it, which the route gives back.
 */
export function rawBody(maxLimit: number, pool?: BodyPool): RequestHandler {
  return (req, res, next) => {
    const own = res.locals.bodyLimit;
    const limit = typeof own === 'number' ? Math.min(own, maxLimit) : maxLimit;
    const announced = req.headers['content-length'];
    if (announced !== undefined && Number(announced) > limit) return next(refuse(res, limit));
    // With a Content-Length (every SDK upload) the body streams into one buffer of exactly that size:
    // no list of chunks and no second copy to join them. Its own memory (not Node's shared pool), so the
    // update's float32 payload can be read in place, aligned. Chunked bodies are collected and joined.
    const expected = announced === undefined ? -1 : Number(announced);
    const whole = expected > 0 ? (pool ? pool.take(expected) : Buffer.allocUnsafeSlow(expected)) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) {
        if (whole) pool?.give(whole);
        return next(err);
      }
      // http's parser ends a Content-Length body at exactly that length, so `whole` is full here
      req.body = whole ?? Buffer.concat(chunks, size);
      next();
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > (whole ? whole.length : limit)) {
        req.pause();
        chunks.length = 0;
        return finish(refuse(res, limit));
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = () => finish();
    const onError = () =>
      finish(new ApiError(400, 'aborted', 'the request body was not received completely'));
    // a client that goes away mid-body: nothing more will come, and nothing is stored
    const onClose = () => {
      if (!req.complete) onError();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  };
}

/** A JSON body within the limit, parsed into req.body (undefined when empty). */
export function jsonBody(limit: number): RequestHandler {
  const raw = rawBody(limit);
  return (req, res, next) =>
    raw(req, res, (err?: unknown) => {
      if (err) return next(err);
      const buf = req.body as Buffer;
      if (buf.length === 0) {
        req.body = undefined;
        return next();
      }
      try {
        req.body = JSON.parse(buf.toString('utf8'));
      } catch {
        return next(new ApiError(400, 'bad_json', 'request body is not valid JSON'));
      }
      next();
    });
}
