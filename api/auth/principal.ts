import type { Role } from '../../sop/policy';
import type { Grant, Language } from '../directory/directory.repository';

/** Who is calling: a person with the roles they hold, each in a scope (CONVENTIONS.md: 401/403). */
export interface Principal {
  personId: string;
  email: string;
  fullName: string;
  language: Language;
  grants: Grant[];
  via: 'token' | 'apiKey';
}

/** Does the principal hold one of `roles` in a scope covering a unit whose chain is `chain`? */
export function holdsIn(
  principal: Principal,
  roles: readonly Role[],
  chain: readonly string[],
): boolean {
  return principal.grants.some((g) => roles.includes(g.role) && chain.includes(g.scopeId));
}

export function holdsAny(principal: Principal, roles: readonly Role[]): boolean {
  return principal.grants.some((g) => roles.includes(g.role));
}
