import { ConfigError, loadConfig, requiredInProduction, VARIABLES } from './config';

describe('configuration schema', () => {
  test('embedded defaults need no variable at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      databaseUrl: 'postgres://emtihan_app:emtihan_app@127.0.0.1:54329/emtihan',
      databaseMigrationUrl: 'postgres://postgres:postgres@127.0.0.1:54329/emtihan',
      temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'emtihan' },
      smtpUrl: 'smtp://127.0.0.1:2525',
    });
    expect(config.temporal.tls).toBeUndefined();
  });

  test('a bad variable is refused with its name and the reason', () => {
    expect(() =>
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'localhost' }),
    ).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', TEMPORAL_ADDRESS: 'localhost' });
    } catch (error) {
      const names = (error as ConfigError).problems.map((p) => p.name);
      expect(names).toEqual(['PORT', 'DATABASE_URL', 'TEMPORAL_ADDRESS']);
      expect((error as Error).message).toContain(
        'DATABASE_URL: must be a URL with scheme postgres or postgresql (got "mysql://x")',
      );
    }
  });

  test('production has no embedded defaults: the connection variables are required', () => {
    try {
      loadConfig({ NODE_ENV: 'production' });
      throw new Error('accepted');
    } catch (error) {
      expect((error as ConfigError).problems).toEqual(
        requiredInProduction().map((name) => ({ name, reason: 'is required in production' })),
      );
    }
    expect(requiredInProduction()).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL']),
    );
  });

  test('production never gets the embedded first admin or link secret', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://exams.example.edu.kz',
      DATABASE_URL: 'postgres://u:p@db/emtihan',
      TEMPORAL_ADDRESS: 'temporal:7233',
      SMTP_URL: 'smtp://relay:587',
      MAIL_FROM: 'Emtihan <e@example.edu.kz>',
      LINK_SECRET: 'x'.repeat(40),
      DOCUMENT_KEY: Buffer.alloc(32, 1).toString('base64'),
      PROCTORING_WEBHOOK_SECRET: 'p'.repeat(40),
    });
    expect(config.bootstrapAdmin).toBeUndefined();
    expect(config.linkSecret).toBe('x'.repeat(40));
    expect(requiredInProduction()).toContain('LINK_SECRET');
    // Tickets are sealed with a key of the deployment's own, never the embedded one (issue 8).
    expect(requiredInProduction()).toContain('DOCUMENT_KEY');
    expect(config.documentKey).toBe(Buffer.alloc(32, 1).toString('base64'));
    // The proctoring system's webhook is signed with a secret of the deployment's own (issue 9).
    expect(requiredInProduction()).toContain('PROCTORING_WEBHOOK_SECRET');
    expect(config.proctoring).toEqual({
      adapter: 'local',
      localDir: 'var/recordings',
      webhookSecret: 'p'.repeat(40),
    });
  });

  test('§5.7: the proctoring adapter is `local` (the only one yet); its folder follows EMTIHAN_VAR_DIR', () => {
    expect(loadConfig({ EMTIHAN_VAR_DIR: '/srv/emtihan' }).proctoring.localDir).toBe(
      '/srv/emtihan/recordings',
    );
    expect(loadConfig({ PROCTORING_LOCAL_DIR: '/data/rec' }).proctoring.localDir).toBe('/data/rec');
    expect(() => loadConfig({ PROCTORING_ADAPTER: 'proctorio' })).toThrow(/PROCTORING_ADAPTER/);
    expect(() => loadConfig({ PROCTORING_WEBHOOK_SECRET: 'short' })).toThrow(
      /PROCTORING_WEBHOOK_SECRET: must be at least 32 characters/,
    );
  });

  test('Temporal Cloud: an API key turns TLS on; a certificate needs its key', () => {
    expect(loadConfig({ TEMPORAL_API_KEY: 'secret' }).temporal.tls).toEqual({});
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/x.pem' })).toThrow(
      /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/,
    );
  });

  test('every variable has a description', () => {
    for (const [name, spec] of Object.entries(VARIABLES))
      expect([name, spec.description.length > 5]).toEqual([name, true]);
  });
});
