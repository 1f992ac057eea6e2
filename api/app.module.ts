import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import type { Config } from '../config/config';
import type { Policy } from '../sop/policy';
import { IdempotencyService } from './common/idempotency.service';
import { DevMailController } from './dev/dev-mail.controller';
import { ExamsController } from './exams/exams.controller';
import { ExamsService } from './exams/exams.service';
import { SopService } from './plans/sop.service';
import { PlansController } from './plans/plans.controller';
import { PlansService } from './plans/plans.service';
import { HealthController } from './health/health.controller';
import { TemporalGateway } from './temporal/temporal.gateway';
import { CONFIG, DATA_SOURCE, POLICY } from './tokens';

export interface AppDeps {
  config: Config;
  db: DataSource;
  temporal: TemporalGateway;
  policy: Policy;
}

@Module({})
export class AppModule {
  /** The external systems arrive built (main.ts), so tests can hand in their own. */
  static forRoot(deps: AppDeps): DynamicModule {
    return {
      module: AppModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [
        ExamsController,
        PlansController,
        HealthController,
        ...(deps.config.devMailDir !== undefined ? [DevMailController] : []),
      ],
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: DATA_SOURCE, useValue: deps.db },
        { provide: POLICY, useValue: deps.policy },
        { provide: TemporalGateway, useValue: deps.temporal },
        {
          provide: IdempotencyService,
          useFactory: (db: DataSource) => new IdempotencyService(db),
          inject: [DATA_SOURCE],
        },
        {
          provide: SopService,
          useFactory: (policy: Policy) => new SopService(policy),
          inject: [POLICY],
        },
        {
          provide: ExamsService,
          useFactory: (db: DataSource, temporal: TemporalGateway, sop: SopService) =>
            new ExamsService(db, temporal, sop),
          inject: [DATA_SOURCE, TemporalGateway, SopService],
        },
        {
          provide: PlansService,
          useFactory: (db: DataSource, sop: SopService) => new PlansService(db, sop),
          inject: [DATA_SOURCE, SopService],
        },
      ],
    };
  }
}
