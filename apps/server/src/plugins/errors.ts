import type { ErrorResponse } from '@mamori/contracts';
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { AppError } from '../lib/errors.ts';

const body = (
  code: ErrorResponse['error']['code'],
  message: string,
  fields?: ErrorResponse['error']['fields'],
): ErrorResponse => ({
  error: fields ? { code, message, fields } : { code, message },
});

/** Maps every error to `{ error: { code, message } }` exactly once; 5xx never reveal internals. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      return reply.status(err.status).send(body(err.code, err.message, err.fields));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields = err.validation.map((v) => ({
        path: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
        message: v.message ?? 'invalid',
      }));
      return reply.status(400).send(body('invalid', 'The request has invalid fields', fields));
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err, path: req.url }, 'response did not match its schema');
      return reply.status(500).send(body('internal', 'Internal error'));
    }
    const status = err.statusCode ?? 500;
    if (status === 413) return reply.status(413).send(body('payload_too_large', 'The request body is too large'));
    if (status === 429)
      return reply.status(429).send(body('rate_limited', 'Too many requests. Wait a minute and try again.'));
    if (status >= 400 && status < 500) {
      // Fastify's own client errors (bad JSON, wrong content type, …): safe to explain.
      return reply.status(status).send(body('invalid', err.message || 'Bad request'));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(body('internal', 'Internal error'));
  });
}

/** Errors Fastify raises before routing (bad URL encoding, over-long parameters): a 400 in our shape. */
export const frameworkErrors = (
  err: FastifyError,
  _req: unknown,
  reply: { status: (n: number) => { send: (b: unknown) => void } },
) => reply.status(400).send(body('invalid', err.message || 'Bad request'));

/** The 404 body for an unknown route. */
export const notFoundBody = (method: string, url: string): ErrorResponse =>
  body('not_found', `No route ${method} ${url.split('?')[0]}`);
