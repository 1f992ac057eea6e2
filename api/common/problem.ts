import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';

/** RFC 9457 problem details, the one error shape of the API (CONVENTIONS.md "HTTP API"). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Unprocessable content',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export type ProblemInput = {
  status: number;
  detail?: string;
  title?: string;
  type?: string;
  errors?: { path: string; message: string }[];
} & Record<string, unknown>;

export class ProblemException extends HttpException {
  constructor(problem: ProblemInput) {
    super(
      {
        ...problem,
        type: problem.type ?? 'about:blank',
        title: problem.title ?? TITLES[problem.status] ?? 'Error',
      },
      problem.status,
    );
  }
}

export const badRequest = (path: string, message: string): ProblemException =>
  new ProblemException({ status: 400, detail: `${path}: ${message}`, errors: [{ path, message }] });
export const notFound = (detail: string): ProblemException =>
  new ProblemException({ status: 404, detail });
export const conflict = (detail: string, extra: Record<string, unknown> = {}): ProblemException =>
  new ProblemException({ status: 409, detail, ...extra });

/** Turns every error into problem details; never a stack trace on the wire. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = toProblem(exception);
    if (problem.status >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}

export function toProblem(exception: unknown): Problem {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'object' && body !== null && 'type' in body && 'title' in body)
      return body as Problem;
    // Nest's own exceptions (404 route, body-parser 400/413, …): keep their message as detail.
    const message =
      typeof body === 'string'
        ? body
        : Array.isArray((body as { message?: unknown }).message)
          ? (body as { message: string[] }).message.join('; ')
          : typeof (body as { message?: unknown }).message === 'string'
            ? (body as { message: string }).message
            : exception.message;
    return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail: message };
  }
  return {
    type: 'about:blank',
    title: TITLES[HttpStatus.INTERNAL_SERVER_ERROR],
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    detail: 'An unexpected error occurred; it has been logged.',
  };
}

/** A 400 listing every field's problem (`errors[].path` names the field). */
export function invalidFields(errors: { path: string; message: string }[]): ProblemException {
  return new ProblemException({
    status: 400,
    detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    errors,
  });
}
