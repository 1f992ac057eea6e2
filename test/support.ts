import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { waitFor } from '../scripts/infra';

export { waitFor };

/** Where the global setup started the shared servers. */
export function testInfra() {
  const need = (name: string): string => {
    const value = process.env[name];
    if (!value)
      throw new Error(`${name} is not set: run through jest (test/setup/global-setup.ts)`);
    return value;
  };
  return {
    /** The application role (what the API and worker use). */
    databaseUrl: need('TEST_DATABASE_URL'),
    /** The schema owner, a superuser: for tests that tamper with what the app may not touch. */
    ownerDatabaseUrl: need('TEST_OWNER_DATABASE_URL'),
    smtpUrl: need('TEST_SMTP_URL'),
    mailDir: need('TEST_MAIL_DIR'),
    temporalAddress: need('TEST_TEMPORAL_ADDRESS'),
    varDir: need('TEST_VAR_DIR'),
  };
}

export interface CaughtMail {
  file: string;
  mail: ParsedMail;
  header(name: string): string | undefined;
}

/** Every message the SMTP catcher received whose outbox key mentions `needle`. */
export async function caughtMail(needle: string): Promise<CaughtMail[]> {
  const dir = testInfra().mailDir;
  const files = (await readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  const parsed = await Promise.all(
    files.map(async (file) => {
      const mail = await simpleParser(await readFile(join(dir, file)));
      const header = (name: string) => {
        const value = mail.headers.get(name.toLowerCase());
        return typeof value === 'string' ? value : undefined;
      };
      return { file, mail, header };
    }),
  );
  return parsed.filter((m) => (m.header('x-emtihan-outbox-key') ?? '').includes(needle));
}

export const uniqueId = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
