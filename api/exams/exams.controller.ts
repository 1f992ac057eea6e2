import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { badRequest } from '../common/problem';
import { IdempotencyService } from '../common/idempotency.service';
import { ApproveStepDto, CreateExamDto } from './exams.dto';
import { ExamsService } from './exams.service';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

function requireKey(key: string | undefined, required: boolean): string | undefined {
  if (key === undefined || key === '') {
    if (required) throw badRequest('Idempotency-Key', 'header is required for this action');
    return undefined;
  }
  if (!KEY_PATTERN.test(key))
    throw badRequest('Idempotency-Key', 'must be 1–200 visible ASCII characters');
  return key;
}

@ApiTags('exams')
@Controller('exams')
export class ExamsController {
  constructor(
    @Inject(ExamsService) private readonly exams: ExamsService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register an exam and start its workflow exam-<id>' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'a repeat returns the first answer',
  })
  @ApiResponse({ status: 201, description: 'exam stored, workflow started, plan of its steps' })
  @ApiResponse({ status: 400, description: 'bad input; errors name each field' })
  @ApiResponse({ status: 409, description: 'the exam (or its workflow) already exists' })
  async create(
    @Body() dto: CreateExamDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, false);
    if (key === undefined) return this.exams.create(dto, Date.now());
    const answer = await this.idempotency.run('POST /exams', key, dto, async () => ({
      status: 201,
      body: await this.exams.create(dto, Date.now()),
    }));
    return this.reply(res, answer);
  }

  @Get(':id')
  @ApiOperation({ summary: "The exam and its steps' state from the read model" })
  @ApiResponse({ status: 404, description: 'no such exam' })
  get(@Param('id') id: string): Promise<unknown> {
    return this.exams.get(id);
  }

  @Post(':id/steps/:step/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a step (delivered to the workflow as an Update with a validator)',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'a repeat with the same key acts once',
  })
  @ApiResponse({ status: 200, description: 'approved' })
  @ApiResponse({ status: 404, description: 'no such exam or step' })
  @ApiResponse({ status: 409, description: 'the step is not open' })
  async approve(
    @Param('id') id: string,
    @Param('step') step: string,
    @Body() dto: ApproveStepDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, true)!;
    const answer = await this.idempotency.run(
      `POST /exams/${id}/steps/${step}/approve`,
      key,
      dto,
      async () => ({
        status: 200,
        body: await this.exams.approve(id, step, dto, key),
      }),
    );
    return this.reply(res, answer);
  }

  private reply(
    res: Response,
    answer: { status: number; body: unknown; replayed: boolean },
  ): unknown {
    res.status(answer.status);
    if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
    if (answer.status >= 400) res.type('application/problem+json');
    return answer.body;
  }
}
