import { Controller, Get, Module } from '@nestjs/common';
import { Public } from '../api/auth/access.decorators';

/**
 * The HTTP baseline of `npm run bench`: a bare NestJS route answering a constant, mounted only in
 * the benchmark's in-process API (createApp's extraModules), behind the same global guard, pipes,
 * filters and helmet as the product's routes.
 */
@Controller('bench')
class BenchController {
  @Get('constant')
  @Public()
  constant(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [BenchController] })
export class BenchModule {}
