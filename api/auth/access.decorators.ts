import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { ROLES, type Role } from '../../sop/policy';
import type { Principal } from './principal';

/**
 * Every route declares who may call it (issue 5: an authorisation-matrix test reads these):
 * `@Public()` — anyone (the credential, if any, is in the request itself, e.g. an email link);
 * `@Allow(...roles)` — a signed-in person holding one of these roles in some scope (the service
 * then checks the scope of the resource); `@Allow('*')` — any signed-in person.
 */
export const ACCESS_KEY = 'emtihan:access';
export type Access = { kind: 'public' } | { kind: 'roles'; roles: readonly Role[] | '*' };

export const Public = () => SetMetadata(ACCESS_KEY, { kind: 'public' } satisfies Access);
export const Allow = (...roles: Role[] | ['*']) =>
  SetMetadata(ACCESS_KEY, {
    kind: 'roles',
    roles: roles[0] === '*' ? '*' : (roles as Role[]),
  } satisfies Access);

/** Staff roles: everyone but students (who read only their own records). */
export const STAFF: Role[] = ROLES.filter((r) => r !== 'student' && r !== 'system');

export type RequestWithPrincipal = Request & { principal?: Principal };

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const principal = ctx.switchToHttp().getRequest<RequestWithPrincipal>().principal;
    if (principal === undefined) throw new Error('route without @Allow used @CurrentPrincipal');
    return principal;
  },
);
