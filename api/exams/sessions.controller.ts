import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Decision } from '../../workflows/exam.contract';
import { Allow, CurrentPrincipal, STAFF } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { IDEMPOTENCY_REQUIRED, reply, requireKey } from './exams.controller';
import {
  ApproveStepDto,
  CreateSessionDto,
  ReassignStepDto,
  RejectStepDto,
  WaiveStepDto,
} from './exams.dto';
import { REGISTRARS_OF_SESSIONS, SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller()
export class SessionsController {
  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post('sessions')
  @Allow(...REGISTRARS_OF_SESSIONS)
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Open an exam session with its exams: stored in one transaction, then session-<id> starts every exam-<id>',
  })
  @ApiHeader({ ...IDEMPOTENCY_REQUIRED, required: false })
  @ApiResponse({ status: 201, description: 'session and exams stored, workflows started' })
  @ApiResponse({ status: 400, description: 'bad input; errors name each field (exams.3.examDate)' })
  @ApiResponse({ status: 403, description: 'the scope is outside yours' })
  @ApiResponse({ status: 409, description: 'the session or one of its exams already exists' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateSessionDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, false);
    if (key === undefined) return this.sessions.create(principal, dto, Date.now());
    const answer = await this.idempotency.run(
      `${principal.personId} POST /sessions`,
      key,
      dto,
      async () => ({ status: 201, body: await this.sessions.create(principal, dto, Date.now()) }),
    );
    return reply(res, answer);
  }

  @Get('sessions')
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Sessions in your scope, newest first' })
  list(@CurrentPrincipal() principal: Principal): Promise<unknown> {
    return this.sessions.list(principal);
  }

  @Get('sessions/:id')
  @Allow(...STAFF)
  @ApiOperation({
    summary: 'The session: its steps, its exams with their phase and open/overdue steps, a summary',
  })
  @ApiResponse({ status: 404, description: 'no such session, or not yours to see' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.sessions.get(principal, id);
  }

  @Post('sessions/:id/steps/:step/approve')
  @Allow(...STAFF)
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a session step you own (GP 4, rows 3–5)',
    description:
      "Row 3, §5.12: `proctorsApproval` is approved on the working group's assignments — every exam of the session must have its proctors (`PUT /exams/:id/proctors`); the step records them as its subject (`proctorAssignments`: exams, proctors, orders, sha256).",
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 403, description: 'you do not own this step' })
  @ApiResponse({ status: 404, description: 'no such session or step' })
  @ApiResponse({
    status: 409,
    description:
      'the step is not open; row 3, §5.12: an exam of the session has no proctor assigned (`examsWithoutProctors` lists the first 20)',
  })
  approve(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('step') step: string,
    @Body() dto: ApproveStepDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return this.decide(principal, id, step, 'approve', dto.comment, dto, rawKey, res);
  }

  @Post('sessions/:id/steps/:step/reject')
  @Allow(...STAFF)
  @HttpCode(200)
  @ApiOperation({ summary: 'Return a session step for changes, with what has to change' })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 403, description: 'you do not own this step' })
  @ApiResponse({ status: 404, description: 'no such session or step' })
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

  @Post('sessions/:id/steps/:step/waive')
  @Allow(...STAFF)
  @HttpCode(200)
  @ApiOperation({ summary: 'Waive a session step (a role above its owner, with a reason)' })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 403, description: 'only a role above the owner may waive' })
  @ApiResponse({ status: 404, description: 'no such session or step' })
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

  @Post('sessions/:id/steps/:step/reassign')
  @Allow(...STAFF)
  @HttpCode(200)
  @ApiOperation({ summary: 'Reassign (delegate) a session step to a person, with a reason' })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 400, description: 'no such active person' })
  @ApiResponse({ status: 403, description: 'you may not reassign this step' })
  @ApiResponse({ status: 404, description: 'no such session or step' })
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
  ): Promise<unknown> {
    const key = requireKey(rawKey, true)!;
    const answer = await this.idempotency.run(
      `${principal.personId} POST /sessions/${id}/steps/${step}/${decision}`,
      key,
      dto,
      async () => ({
        status: 200,
        body: await this.sessions.decide(
          principal,
          id,
          step,
          decision,
          comment,
          `session/${decision}/${step}/${principal.personId}/${key}`,
          assigneeId,
        ),
      }),
    );
    return reply(res, answer);
  }
}
