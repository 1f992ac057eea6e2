import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { badRequest } from './problem';

/** A list's page size bounds (CONVENTIONS.md "HTTP API": `limit` and an opaque `cursor`). */
export interface PageBounds {
  default: number;
  max: number;
}

/** The OpenAPI description of a list's `limit` and `cursor`. */
export const ApiPage = (bounds: PageBounds) =>
  applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: bounds.max, default: bounds.default },
    }),
    ApiQuery({ name: 'cursor', required: false }),
  );

/** `limit` as sent (or its default), 400 naming it when outside 1…max. */
export function pageLimit(limit: string | undefined, bounds: PageBounds): number {
  const n = limit === undefined ? bounds.default : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > bounds.max)
    throw badRequest('limit', `must be a whole number from 1 to ${bounds.max}`);
  return n;
}
