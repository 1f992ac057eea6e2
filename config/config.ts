import { join } from 'node:path';
import { z } from 'zod';

/**
 * The one configuration schema of Emtihan, read once at boot by the API, the worker and the
 * scripts. Every variable has a default for the embedded mode (everything on loopback, started by
 * `npm run dev`); with NODE_ENV=production the variables marked `requiredInProduction` have no
 * default and must be set. A bad or missing variable stops the process with its name and reason.
 */

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${protocols.join(' or ')}` },
  );

const hostPort = z
  .string()
  .regex(/^[^\s:/]+:\d{1,5}$/, { message: 'must be host:port, e.g. 127.0.0.1:7233' });

/** The proctoring adapters there are (activities/proctoring): production adapters come later. */
export const PROCTORING_ADAPTERS = ['local'] as const;

/** Defaults of the embedded mode: the ports `npm run dev` and the tests start services on. */
export const EMBEDDED_DEFAULTS = {
  PORT: '3000',
  HOST: '127.0.0.1',
  PUBLIC_URL: 'http://127.0.0.1:3000',
  // The API and worker connect as the application role (insert and read only on the audit log);
  // migrations run as the schema's owner.
  DATABASE_URL: 'postgres://emtihan_app:emtihan_app@127.0.0.1:54329/emtihan',
  DATABASE_MIGRATION_URL: 'postgres://postgres:postgres@127.0.0.1:54329/emtihan',
  TEMPORAL_ADDRESS: '127.0.0.1:7233',
  TEMPORAL_UI_PORT: '8233',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  MAIL_FROM: 'Emtihan <emtihan@localhost>',
  // Embedded mode only: a known secret and a first admin, so `npm run dev` works out of the box.
  LINK_SECRET: 'emtihan-embedded-link-secret-not-for-production',
  // 32 bytes, base64: seals tickets and other confidential documents (embedded mode only).
  DOCUMENT_KEY: 'ZW10aWhhbi1lbWJlZGRlZC1kb2N1bWVudC1rZXkhISE=',
  // Signs the proctoring system's webhook events (embedded mode only; production sets its own).
  PROCTORING_WEBHOOK_SECRET: 'emtihan-embedded-proctoring-webhook-secret',
  BOOTSTRAP_ADMIN_EMAIL: 'admin@emtihan.local',
  BOOTSTRAP_ADMIN_PASSWORD: 'emtihan-dev-admin',
} as const;

interface VariableSpec {
  schema: z.ZodType;
  description: string;
  requiredInProduction?: boolean;
  /** The default is for the embedded mode only: production gets no default (and may leave it unset). */
  embeddedDefaultOnly?: boolean;
  default?: string;
}

/** Every variable the processes read; `.env.example` lists the same names (a test checks it). */
export const VARIABLES = {
  NODE_ENV: {
    schema: z.enum(['development', 'test', 'production']),
    default: 'development',
    description: 'development | test | production (production removes the embedded defaults)',
  },
  PORT: { schema: port, default: EMBEDDED_DEFAULTS.PORT, description: 'HTTP port of the API' },
  HOST: {
    schema: z.string().min(1),
    default: EMBEDDED_DEFAULTS.HOST,
    description: 'interface the API listens on',
  },
  PUBLIC_URL: {
    schema: url(['http', 'https']),
    default: EMBEDDED_DEFAULTS.PUBLIC_URL,
    requiredInProduction: true,
    description: 'the URL people reach the API at; used in email links',
  },
  DATABASE_URL: {
    schema: url(['postgres', 'postgresql']),
    default: EMBEDDED_DEFAULTS.DATABASE_URL,
    requiredInProduction: true,
    description: 'PostgreSQL connection URL; unset in development: the embedded PostgreSQL',
  },
  DATABASE_MIGRATION_URL: {
    schema: url(['postgres', 'postgresql']).optional(),
    default: EMBEDDED_DEFAULTS.DATABASE_MIGRATION_URL,
    embeddedDefaultOnly: true,
    description:
      "the schema owner's URL for `npm run migrate`, which also makes DATABASE_URL's user a member of the application role; unset in production: DATABASE_URL",
  },
  DATABASE_SSL: { schema: bool, default: 'false', description: 'connect to PostgreSQL over TLS' },
  TEMPORAL_ADDRESS: {
    schema: hostPort,
    default: EMBEDDED_DEFAULTS.TEMPORAL_ADDRESS,
    requiredInProduction: true,
    description: 'Temporal frontend host:port; unset in development: the embedded dev server',
  },
  TEMPORAL_NAMESPACE: {
    schema: z.string().min(1),
    default: 'default',
    description: 'Temporal namespace',
  },
  TEMPORAL_TASK_QUEUE: {
    schema: z.string().min(1),
    default: 'emtihan',
    description: 'task queue of the worker',
  },
  TEMPORAL_TLS_CERT: {
    schema: z.string().min(1).optional(),
    description: 'path to the mTLS client certificate (PEM)',
  },
  TEMPORAL_TLS_KEY: {
    schema: z.string().min(1).optional(),
    description: 'path to the mTLS client key (PEM)',
  },
  TEMPORAL_TLS_CA: {
    schema: z.string().min(1).optional(),
    description: 'path to a CA bundle for the server certificate',
  },
  TEMPORAL_TLS: {
    schema: bool,
    default: 'false',
    description: 'use TLS without a client certificate (API keys)',
  },
  TEMPORAL_API_KEY: {
    schema: z.string().min(1).optional(),
    description: 'Temporal Cloud API key (implies TLS)',
  },
  TEMPORAL_UI_PORT: {
    schema: port,
    default: EMBEDDED_DEFAULTS.TEMPORAL_UI_PORT,
    description: 'port of the embedded Temporal Web UI',
  },
  SMTP_URL: {
    schema: url(['smtp', 'smtps']),
    default: EMBEDDED_DEFAULTS.SMTP_URL,
    requiredInProduction: true,
    description:
      'SMTP server URL (smtp://user:pass@host:port); unset in development: the embedded catcher',
  },
  MAIL_FROM: {
    schema: z.string().min(3),
    default: EMBEDDED_DEFAULTS.MAIL_FROM,
    requiredInProduction: true,
    description: 'From header of the emails Emtihan sends',
  },
  POLICY_FILE: {
    schema: z.string().min(1).optional(),
    description: 'JSON or YAML file of policy overrides (defaults to the SOP as written)',
  },
  LINK_SECRET: {
    schema: z.string().min(32, { message: 'must be at least 32 characters' }),
    default: EMBEDDED_DEFAULTS.LINK_SECRET,
    requiredInProduction: true,
    description:
      'secret from which email-link tokens are derived (HMAC-SHA256); only their hashes are stored',
  },
  OIDC_ISSUER: {
    schema: url(['https', 'http']).optional(),
    description:
      'OpenID Connect issuer URL; when set (with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET) /auth/oidc/login signs in through it',
  },
  OIDC_CLIENT_ID: {
    schema: z.string().min(1).optional(),
    description: 'client id registered at the OpenID Connect provider',
  },
  OIDC_CLIENT_SECRET: {
    schema: z.string().min(1).optional(),
    description: 'client secret registered at the OpenID Connect provider',
  },
  BOOTSTRAP_ADMIN_EMAIL: {
    schema: z.email({ message: 'must be an email address' }).optional(),
    default: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_EMAIL,
    embeddedDefaultOnly: true,
    description: 'first admin, created at API start when nobody holds the admin role',
  },
  BOOTSTRAP_ADMIN_PASSWORD: {
    schema: z.string().min(12, { message: 'must be at least 12 characters' }).optional(),
    default: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_PASSWORD,
    embeddedDefaultOnly: true,
    description: "the first admin's password (change it after the first sign-in)",
  },
  EMTIHAN_VAR_DIR: {
    schema: z.string().min(1),
    default: 'var',
    description: 'folder for local data (databases, mail)',
  },
  DEV_MAIL_DIR: {
    schema: z.string().min(1).optional(),
    description: 'folder of the embedded SMTP catcher; when set, the API serves it at /dev/mail',
  },
  DOCUMENT_KEY: {
    schema: z.string().refine((v) => Buffer.from(v, 'base64').length === 32, {
      message: 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)',
    }),
    default: EMBEDDED_DEFAULTS.DOCUMENT_KEY,
    requiredInProduction: true,
    embeddedDefaultOnly: true,
    description:
      'AES-256-GCM key sealing confidential documents at rest (tickets, assignment seeds, the code → student mapping)',
  },
  PROCTORING_ADAPTER: {
    schema: z.enum(PROCTORING_ADAPTERS),
    default: 'local',
    description:
      "how Emtihan reaches the proctoring system's recordings (§5.7 deletion); only `local` exists yet: it keeps a stand-in file per recording under PROCTORING_LOCAL_DIR",
  },
  PROCTORING_LOCAL_DIR: {
    schema: z.string().min(1).optional(),
    description:
      "folder of the local proctoring adapter's recordings (shared by the API and the worker); unset: <EMTIHAN_VAR_DIR>/recordings",
  },
  PROCTORING_WEBHOOK_SECRET: {
    schema: z.string().min(32, { message: 'must be at least 32 characters' }),
    default: EMBEDDED_DEFAULTS.PROCTORING_WEBHOOK_SECRET,
    requiredInProduction: true,
    embeddedDefaultOnly: true,
    description:
      'secret shared with the proctoring system: POST /proctoring/events must carry X-Emtihan-Signature, an HMAC-SHA256 with it',
  },
  HISTORY_ARCHIVE_EVERY_SECONDS: {
    schema: z.coerce.number().int().min(1).max(86_400),
    default: '600',
    description:
      "how often the API archives closed exams' workflow histories in PostgreSQL (before Temporal's retention drops them)",
  },
  WORKER_SHUTDOWN_GRACE: {
    schema: z.string().default('10s'),
    default: '10s',
    description: 'grace time for running activities on shutdown',
  },
  WORKER_MAX_CACHED_WORKFLOWS: {
    schema: z.coerce.number().int().min(0).max(1_000_000),
    default: '2000',
    description:
      'workflows a worker keeps in its sticky cache (0: none); 2000 keeps a session of 2,000 exams cached (about 1 MiB of RSS per exam at its opening: README "Benchmarks"); the SDK\'s own default follows the heap limit',
  },
} satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;

export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  host: string;
  publicUrl: string;
  databaseUrl: string;
  /** The schema owner's URL (migrations); DATABASE_URL when not set. */
  databaseMigrationUrl: string;
  databaseSsl: boolean;
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    tls?: { certPath?: string; keyPath?: string; caPath?: string };
    apiKey?: string;
    uiPort: number;
  };
  smtpUrl: string;
  mailFrom: string;
  policyFile?: string;
  linkSecret: string;
  /** OpenID Connect sign-in, when configured; redirect URI: PUBLIC_URL/auth/oidc/callback. */
  oidc?: { issuer: string; clientId: string; clientSecret: string };
  bootstrapAdmin?: { email: string; password: string };
  varDir: string;
  devMailDir?: string;
  workerShutdownGrace: string;
  /** The worker's sticky cache, in workflows (WORKER_MAX_CACHED_WORKFLOWS). */
  workerMaxCachedWorkflows: number;
  historyArchiveEverySeconds: number;
  /** Base64 of the 32-byte document key. */
  documentKey: string;
  /** The proctoring system (§5.4, §5.7, §5.9): its adapter and its webhook's secret. */
  proctoring: {
    adapter: (typeof PROCTORING_ADAPTERS)[number];
    /** The local adapter's folder. */
    localDir: string;
    webhookSecret: string;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: { name: string; reason: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  ${p.name}: ${p.reason}`).join('\n') +
        '\nSee .env.example for every variable.',
    );
    this.name = 'ConfigError';
  }
}

/** Names the production deployment must set (the compose test checks them). */
export function requiredInProduction(): VariableName[] {
  return (Object.keys(VARIABLES) as VariableName[]).filter(
    (name) => (VARIABLES[name] as VariableSpec).requiredInProduction === true,
  );
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: { name: string; reason: string }[] = [];
  const production = env.NODE_ENV === 'production';
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARIABLES) as [string, VariableSpec][]) {
    const raw = env[name] === '' ? undefined : env[name];
    let input = raw;
    if (
      input === undefined &&
      !(production && (spec.requiredInProduction === true || spec.embeddedDefaultOnly === true))
    )
      input = spec.default;
    if (input === undefined) {
      if (spec.schema.safeParse(undefined).success) continue;
      problems.push({
        name,
        reason:
          production && spec.requiredInProduction ? 'is required in production' : 'is required',
      });
      continue;
    }
    const parsed = spec.schema.safeParse(input);
    if (parsed.success) values[name] = parsed.data;
    else
      problems.push({
        name,
        reason: `${parsed.error.issues[0]?.message ?? 'is invalid'} (got "${input}")`,
      });
  }
  const v = values as Record<string, never>;
  if (v.OIDC_ISSUER !== undefined) {
    for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const)
      if (v[name] === undefined) problems.push({ name, reason: 'is required with OIDC_ISSUER' });
  }
  const tlsParts = [v.TEMPORAL_TLS_CERT, v.TEMPORAL_TLS_KEY].filter(Boolean).length;
  if (tlsParts === 1) {
    problems.push({
      name: 'TEMPORAL_TLS_CERT',
      reason: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together',
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const useTls =
    tlsParts === 2 ||
    v.TEMPORAL_TLS === true ||
    v.TEMPORAL_API_KEY !== undefined ||
    v.TEMPORAL_TLS_CA !== undefined;
  return {
    nodeEnv: v.NODE_ENV,
    port: v.PORT,
    host: v.HOST,
    publicUrl: String(v.PUBLIC_URL).replace(/\/$/, ''),
    databaseUrl: v.DATABASE_URL,
    databaseMigrationUrl: v.DATABASE_MIGRATION_URL ?? v.DATABASE_URL,
    databaseSsl: v.DATABASE_SSL,
    temporal: {
      address: v.TEMPORAL_ADDRESS,
      namespace: v.TEMPORAL_NAMESPACE,
      taskQueue: v.TEMPORAL_TASK_QUEUE,
      tls: useTls
        ? { certPath: v.TEMPORAL_TLS_CERT, keyPath: v.TEMPORAL_TLS_KEY, caPath: v.TEMPORAL_TLS_CA }
        : undefined,
      apiKey: v.TEMPORAL_API_KEY,
      uiPort: v.TEMPORAL_UI_PORT,
    },
    smtpUrl: v.SMTP_URL,
    mailFrom: v.MAIL_FROM,
    policyFile: v.POLICY_FILE,
    linkSecret: v.LINK_SECRET,
    oidc:
      v.OIDC_ISSUER !== undefined
        ? { issuer: v.OIDC_ISSUER, clientId: v.OIDC_CLIENT_ID, clientSecret: v.OIDC_CLIENT_SECRET }
        : undefined,
    bootstrapAdmin:
      v.BOOTSTRAP_ADMIN_EMAIL !== undefined && v.BOOTSTRAP_ADMIN_PASSWORD !== undefined
        ? { email: v.BOOTSTRAP_ADMIN_EMAIL, password: v.BOOTSTRAP_ADMIN_PASSWORD }
        : undefined,
    varDir: v.EMTIHAN_VAR_DIR,
    devMailDir: v.DEV_MAIL_DIR,
    workerShutdownGrace: v.WORKER_SHUTDOWN_GRACE,
    workerMaxCachedWorkflows: v.WORKER_MAX_CACHED_WORKFLOWS,
    historyArchiveEverySeconds: v.HISTORY_ARCHIVE_EVERY_SECONDS,
    documentKey: v.DOCUMENT_KEY,
    proctoring: {
      adapter: v.PROCTORING_ADAPTER,
      localDir: v.PROCTORING_LOCAL_DIR ?? join(v.EMTIHAN_VAR_DIR, 'recordings'),
      webhookSecret: v.PROCTORING_WEBHOOK_SECRET,
    },
  };
}

/** For entry points: load the configuration or stop the process with every problem named. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}
