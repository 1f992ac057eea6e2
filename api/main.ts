import 'reflect-metadata';
import { type DynamicModule, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { loadConfigOrExit, type Config } from '../config/config';
import { loadPolicy } from '../config/policy-file';
import { createDataSource } from '../migrations/data-source';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { AuthService } from './auth/auth.service';
import { ProblemDetailsFilter } from './common/problem';
import { createValidationPipe } from './common/validation';
import { TemporalGateway } from './temporal/temporal.gateway';

/** When the daily audit digest goes out (local time of the policy's zone). */
const AUDIT_DIGEST_HOUR = 7;

/**
 * The API on `config`. A test may hand in its own Temporal gateway (the time-skipping server's
 * client); the daily audit digest is then left unstarted, since its timers would fire as the test
 * skips time. The test server has no visibility API: such a test logs errors only (the history
 * archiver's sweep warns there). `extraModules` are imported beside the product's (the benchmark's
 * constant route, bench/bench.module.ts); production passes none.
 */
export async function createApp(
  config: Config,
  temporalOverride?: TemporalGateway,
  logger: LogLevel[] = ['error', 'warn', 'log'],
  extraModules: NonNullable<DynamicModule['imports']> = [],
) {
  const policy = loadPolicy(config.policyFile);
  const db = createDataSource({ url: config.databaseUrl, ssl: config.databaseSsl });
  await db.initialize();
  const temporal = temporalOverride ?? (await TemporalGateway.connect(config));
  // The auditors' daily digest of the audit log's head, at 07:00 in the institution's zone.
  if (temporalOverride === undefined)
    await temporal.ensureAuditDigest({ timeZone: policy.timeZone, hour: AUDIT_DIGEST_HOUR });
  const root = AppModule.forRoot({ config, db, temporal, policy });
  const app = await NestFactory.create<NestExpressApplication>(
    { ...root, imports: [...(root.imports ?? []), ...extraModules] },
    // rawBody: the proctoring webhook's signature is over the bytes as sent (request.rawBody).
    { logger, rawBody: true },
  );
  app.useBodyParser('json', { limit: '1mb' });
  // The confirmation pages of email links post a plain form.
  app.useBodyParser('urlencoded', { limit: '16kb', extended: false });
  // Secure headers; the CSP keeps Swagger UI (its own files) and the link pages (inline styles) working.
  app.use(helmet());
  app.set('trust proxy', 'loopback');
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Emtihan API')
      .setDescription('Written-exam SOP as durable workflows. Errors are RFC 9457 problem details.')
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'access token or API key' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  if (await app.get(AuthService).bootstrapAdmin(config.bootstrapAdmin))
    new Logger('api').log(`created the first admin ${config.bootstrapAdmin?.email ?? ''}`);
  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    await temporal.close();
    await db.destroy();
  };
  return app;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  new Logger('api').log(`listening on http://${config.host}:${config.port} (docs at /docs)`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `api: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
