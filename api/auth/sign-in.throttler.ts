import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';

/**
 * Rate limit of sign-in and token endpoints: per client address and, for a login, per email, so a
 * password-guesser is slowed down without one office's shared address locking everybody out.
 */
@Injectable()
export class SignInThrottler extends ThrottlerGuard {
  // eslint-disable-next-line @typescript-eslint/require-await
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const body = req.body as { email?: unknown } | undefined;
    const email = typeof body?.email === 'string' ? body.email.toLowerCase() : '';
    return `${String(req.ip)}|${email}`;
  }
}
