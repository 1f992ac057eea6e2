import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { Decision } from '../../workflows/exam.contract';
import { Allow, CurrentPrincipal, STAFF } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { badRequest } from '../common/problem';
import { IdempotencyService } from '../common/idempotency.service';
import {
  ApproveStepDto,
  CreateExamDto,
  ExamEventDto,
  ReassignStepDto,
  RejectStepDto,
  RescheduleExamDto,
  WaiveStepDto,
} from './exams.dto';
import { ExamsService, REGISTRARS_OF_EXAMS } from './exams.service';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function requireKey(key: string | undefined, required: boolean): string | undefined {
  if (key === undefined || key === '') {
    if (required) throw badRequest('Idempotency-Key', 'header is required for this action');
    return undefined;
  }
  if (!KEY_PATTERN.test(key))
    throw badRequest('Idempotency-Key', 'must be 1–200 visible ASCII characters');
  return key;
}

export const IDEMPOTENCY_REQUIRED = {
  name: 'Idempotency-Key',
  required: true,
  description: 'a repeat with the same key acts once and returns the first answer',
};

export function reply(
  res: Response,
  answer: { status: number; body: unknown; replayed: boolean },
): unknown {
  res.status(answer.status);
  if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
  if (answer.status >= 400) res.type('application/problem+json');
  return answer.body;
}

/**
 * A write acted once per Idempotency-Key (required): a repeat answers the first answer. `act`
 * gets an Update id derived from the route, the caller and the key, so a workflow sees a repeat
 * as the same Update.
 */
export async function actOnce(
  idempotency: IdempotencyService,
  res: Response,
  request: { principal: Principal; route: string; rawKey: string | undefined; body: unknown },
  status: number,
  act: (updateId: string) => Promise<unknown>,
): Promise<unknown> {
  const { principal, route } = request;
  const key = requireKey(request.rawKey, true)!;
  return reply(
    res,
    await idempotency.run(
      `${principal.personId} ${route}`,
      key,
      request.body ?? null,
      async () => ({
        status,
        body: await act(`${route}/${principal.personId}/${key}`),
      }),
    ),
  );
}

@ApiTags('exams')
@ApiBearerAuth()
@Controller()
export class ExamsController {
  constructor(
    @Inject(ExamsService) private readonly exams: ExamsService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post('exams')
  @Allow(...REGISTRARS_OF_EXAMS)
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register an exam of a department in your scope and start its workflow exam-<id>',
  })
  @ApiHeader({ ...IDEMPOTENCY_REQUIRED, required: false })
  @ApiResponse({ status: 201, description: 'exam stored, workflow started, plan of its steps' })
  @ApiResponse({ status: 400, description: 'bad input; errors name each field' })
  @ApiResponse({ status: 403, description: 'the department is outside your scope' })
  @ApiResponse({ status: 409, description: 'the exam (or its workflow) already exists' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateExamDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, false);
    if (key === undefined) return this.exams.create(principal, dto, Date.now());
    const answer = await this.idempotency.run(
      `${principal.personId} POST /exams`,
      key,
      dto,
      async () => ({
        status: 201,
        body: await this.exams.create(principal, dto, Date.now()),
      }),
    );
    return reply(res, answer);
  }

  @Get('exams')
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Exams in your scope, by department and overdue state (read model)' })
  @ApiQuery({ name: 'department', required: false })
  @ApiQuery({ name: 'overdue', required: false, schema: { type: 'boolean' } })
  @ApiQuery({ name: 'session', required: false, description: 'exams of this session' })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({ status: 400, description: 'a bad filter; errors name it' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query('department') department?: string,
    @Query('overdue') overdue?: string,
    @Query('session') session?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    const n = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 200)
      throw badRequest('limit', 'must be a whole number from 1 to 200');
    if (overdue !== undefined && overdue !== 'true' && overdue !== 'false')
      throw badRequest('overdue', 'must be true or false');
    for (const [name, value] of [
      ['department', department],
      ['session', session],
    ] as const) {
      // eslint-disable-next-line no-control-regex -- control characters are what this rejects
      if (value !== undefined && (value.length > 64 || /[\u0000-\u001f\u007f]/.test(value)))
        throw badRequest(name, 'must be an id of at most 64 characters without control characters');
    }
    if (cursor !== undefined) {
      try {
        const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
        if (
          !Array.isArray(parsed) ||
          parsed.length !== 2 ||
          !parsed.every((p) => typeof p === 'string')
        )
          throw new Error('shape');
      } catch {
        throw badRequest('cursor', 'is not a cursor from a previous page');
      }
    }
    return this.exams.list(principal, {
      ...(department !== undefined ? { department } : {}),
      ...(overdue !== undefined ? { overdue: overdue === 'true' } : {}),
      ...(session !== undefined ? { session } : {}),
      limit: n,
      ...(cursor !== undefined ? { cursor } : {}),
    });
  }

  @Get('exams/:id')
  @Allow(...STAFF)
  @ApiOperation({ summary: "The exam and its steps' state (404 when outside your scope)" })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.exams.get(principal, id);
  }

  @Post('exams/:id/steps/:step/approve')
  @Allow(...STAFF)
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a step you own (an Update to the workflow, with a validator)' })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: 'approved' })
  @ApiResponse({ status: 403, description: 'you do not own this step' })
  @ApiResponse({ status: 404, description: 'no such exam or step' })
  @ApiResponse({ status: 409, description: 'the step is not open' })
  approve(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('step') step: string,
    @Body() dto: ApproveStepDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return this.decide(principal, id, step, 'approve', dto.comment, dto, rawKey, res, undefined, {
      version: dto.version,
    });
  }

  @Post('exams/:id/steps/:step/reject')
  @Allow(...STAFF)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Return a step you own for changes: it stays open, its owners are told why',
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: 'returned for changes' })
  @ApiResponse({ status: 403, description: 'you do not own this step' })
  @ApiResponse({ status: 404, description: 'no such exam or step' })
  @ApiResponse({ status: 409, description: 'the step is not open' })
  reject(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('step') step: string,
    @Body() dto: RejectStepDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return this.decide(principal, id, step, 'reject', dto.comment, dto, rawKey, res);
  }

  @Post('exams/:id/steps/:step/waive')
  @Allow(...STAFF)
  @HttpCode(200)
  @ApiOperation({ summary: 'Waive a step (a role above its owner, with a reason)' })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: 'waived' })
  @ApiResponse({ status: 403, description: 'only a role above the owner may waive' })
  @ApiResponse({ status: 404, description: 'no such exam or step' })
  @ApiResponse({ status: 409, description: 'the step is not open' })
  waive(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('step') step: string,
    @Body() dto: WaiveStepDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return this.decide(principal, id, step, 'waive', dto.comment, dto, rawKey, res);
  }

  @Post('exams/:id/steps/:step/reassign')
  @Allow(...STAFF)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Reassign (delegate) a step to a person, with a reason: they decide and are reminded',
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: 'reassigned' })
  @ApiResponse({ status: 400, description: 'no such person, or no reason' })
  @ApiResponse({ status: 403, description: 'only the owner or a role above may reassign' })
  @ApiResponse({ status: 404, description: 'no such exam or step' })
  @ApiResponse({ status: 409, description: 'the step is not open' })
  reassign(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('step') step: string,
    @Body() dto: ReassignStepDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return this.decide(
      principal,
      id,
      step,
      'reassign',
      dto.comment,
      dto,
      rawKey,
      res,
      dto.personId,
    );
  }

  @Post('exams/:id/reschedule')
  @Allow(...REGISTRARS_OF_EXAMS)
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Move an exam: every open step's due and reminders are recomputed, done steps stay done",
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: 'the exam with its recomputed steps' })
  @ApiResponse({ status: 403, description: 'the department is outside your scope' })
  @ApiResponse({ status: 404, description: 'no such exam' })
  @ApiResponse({
    status: 409,
    description: 'the exam is finished, or another exam of the discipline is on that day',
  })
  async reschedule(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() dto: RescheduleExamDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, true)!;
    const answer = await this.idempotency.run(
      `${principal.personId} POST /exams/${id}/reschedule`,
      key,
      dto,
      async () => ({
        status: 200,
        body: await this.exams.reschedule(
          principal,
          id,
          dto,
          `reschedule/${principal.personId}/${key}`,
        ),
      }),
    );
    return reply(res, answer);
  }

  @Post('exams/:id/events')
  @Allow('*')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Record an event of the exam: violationFound (§5.7, row 11), violationActSent (§5.16), appealFiled (row 12), caseClosed (§5.7)',
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: "recorded; the exam's phase and retention holds" })
  @ApiResponse({ status: 403, description: 'your role may not record this event' })
  @ApiResponse({ status: 404, description: 'no such exam or case' })
  @ApiResponse({
    status: 409,
    description: 'the case exists, is closed or has open steps, or the appeal window is closed',
  })
  async recordEvent(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() dto: ExamEventDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, true)!;
    const answer = await this.idempotency.run(
      `${principal.personId} POST /exams/${id}/events`,
      key,
      dto,
      async () => ({
        status: 200,
        body: await this.exams.recordEvent(
          principal,
          id,
          dto,
          `event/${principal.personId}/${key}`,
        ),
      }),
    );
    return reply(res, answer);
  }

  @Get('me/tasks')
  @Allow('*')
  @ApiOperation({ summary: 'My open steps (owned through my roles and scopes), sorted by due' })
  tasks(@CurrentPrincipal() principal: Principal) {
    return this.exams.tasks(principal, Date.now());
  }

  private async decide(
    principal: Principal,
    id: string,
    step: string,
    decision: Decision,
    comment: string | undefined,
    dto: object,
    rawKey: string | undefined,
    res: Response,
    assigneeId?: string,
    document: { version?: number } = {},
  ): Promise<unknown> {
    const key = requireKey(rawKey, true)!;
    const answer = await this.idempotency.run(
      `${principal.personId} POST /exams/${id}/steps/${step}/${decision}`,
      key,
      dto,
      async () => ({
        status: 200,
        body: await this.exams.decide(
          principal,
          id,
          step,
          decision,
          comment,
          `${decision}/${step}/${principal.personId}/${key}`,
          { kind: 'api' },
          assigneeId,
          document,
        ),
      }),
    );
    return reply(res, answer);
  }
}
