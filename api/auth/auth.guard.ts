import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ProblemException } from '../common/problem';
import { ACCESS_KEY, type Access, type RequestWithPrincipal } from './access.decorators';
import { AuthService } from './auth.service';
import { holdsAny } from './principal';

/**
 * The global guard: a route without an access declaration is refused (so none can be forgotten);
 * `@Public()` routes pass; others need a valid access token or API key (`Authorization: Bearer …`,
 * or `X-Api-Key`) — 401 without — and one of the declared roles in some scope — 403 without.
 * Scope (which department, which school) is checked by the service that loads the resource.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (access === undefined) {
      throw new ProblemException({ status: 403, detail: 'this route declares no access rule' });
    }
    if (access.kind === 'public') return true;
    const request = context.switchToHttp().getRequest<RequestWithPrincipal>();
    const header = request.headers.authorization;
    const credential =
      typeof header === 'string' && /^Bearer\s+/i.test(header)
        ? header.replace(/^Bearer\s+/i, '').trim()
        : typeof request.headers['x-api-key'] === 'string'
          ? request.headers['x-api-key']
          : undefined;
    if (credential === undefined || credential === '') {
      throw new ProblemException({
        status: 401,
        detail: 'sign in: send Authorization: Bearer <access token or API key>',
      });
    }
    const principal = await this.auth.authenticate(credential, Date.now());
    if (principal === undefined) {
      throw new ProblemException({ status: 401, detail: 'the token or key is invalid or expired' });
    }
    request.principal = principal;
    if (access.roles !== '*' && !holdsAny(principal, access.roles)) {
      throw new ProblemException({
        status: 403,
        detail: `this action needs one of the roles: ${access.roles.join(', ')}`,
      });
    }
    return true;
  }
}
