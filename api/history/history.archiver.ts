import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { HistoryService } from './history.service';

/** How far back a sweep looks: a few days more than Temporal's usual retention (24 h). */
const LOOK_BACK_DAYS = 3;

/**
 * Archives closed exams' workflow histories in PostgreSQL on a timer (issue 7), so the raw
 * history and the timeline outlive Temporal's namespace retention even when nobody read them.
 * Every API process sweeps; the archive keeps one row per run, so overlapping sweeps are harmless.
 */
export class HistoryArchiver implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly log = new Logger('history-archive');

  constructor(
    private readonly history: HistoryService,
    private readonly everySeconds: number,
  ) {}

  onApplicationBootstrap(): void {
    const sweep = () => {
      this.running = this.running.then(() =>
        this.history.archiveClosed(LOOK_BACK_DAYS).then(
          (n) => {
            if (n > 0) this.log.log(`archived ${n} closed workflow histories`);
          },
          (error: unknown) => this.log.warn(`sweep failed, trying again later: ${String(error)}`),
        ),
      );
    };
    sweep();
    this.timer = setInterval(sweep, this.everySeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
