import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { TemporalGateway } from '../temporal/temporal.gateway';
import { DATA_SOURCE } from '../tokens';
import { Public } from '../auth/access.decorators';

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(DATA_SOURCE) private readonly db: DataSource,
    @Inject(TemporalGateway) private readonly temporal: TemporalGateway,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.probe('postgres', () => this.db.query('SELECT 1')),
      () => this.probe('temporal', () => this.temporal.ping()),
    ]);
  }

  private async probe(name: string, work: () => Promise<unknown>) {
    const status = this.indicator.check(name);
    try {
      await within(3000, work());
      return status.up();
    } catch (error) {
      return status.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
