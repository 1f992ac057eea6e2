import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException } from './problem';

function flatten(errors: ValidationError[], parent = ''): { path: string; message: string }[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** DTO validation: unknown fields are refused, and every error names its field and reason. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new ProblemException({
        status: 400,
        detail: list.map((e) => `${e.path}: ${e.message}`).join('; '),
        errors: list,
      });
    },
  });
}

/** A JSON body as an object of fields (anything else as an empty one: each field then reports). */
export function fieldsOf(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
