import { Body, Controller, Get, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Allow, CurrentPrincipal } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { badRequest } from '../common/problem';
import { actOnce, IDEMPOTENCY_REQUIRED } from '../exams/exams.controller';
import { APPEAL_DECIDERS, APPEAL_FILERS, APPEAL_READERS, AppealsService } from './appeals.service';

const CASE_ID = /^AP-\d{1,6}$/;

/**
 * Appeals (row 12): a student files one after the results are published, within the policy's
 * window; the appeal commission decides, and an upheld appeal produces a new grade-sheet version
 * and export. A student reads their own result and appeal.
 */
@ApiTags('grading')
@ApiBearerAuth()
@Controller('exams/:id')
export class AppealsController {
  constructor(
    @Inject(AppealsService) private readonly appeals: AppealsService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post('appeals')
  @Allow(...APPEAL_FILERS)
  @ApiOperation({
    summary:
      'File an appeal against a published result (row 12): the student (or the dean’s office with studentId), within the policy’s window',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['reason'],
      properties: {
        reason: { type: 'string', minLength: 1, maxLength: 2000 },
        studentId: { type: 'string', description: 'the dean’s office only: whose appeal' },
        violationCase: {
          type: 'string',
          pattern: '^V-[0-9]{1,6}$',
          description:
            '§5.16: the violation case whose act the student disagreed with; upheld, the appeal lifts its annulment',
        },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({
    status: 201,
    description: 'filed: caseId, the decision step, the retention holds (§5.7)',
  })
  @ApiResponse({
    status: 400,
    description: 'reason, studentId or violationCase missing or invalid (errors name the field)',
  })
  @ApiResponse({ status: 404, description: 'no such exam, or no graded work of yours in it' })
  @ApiResponse({
    status: 409,
    description: 'row 12: results not published, the window closed, or already appealed',
  })
  file(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/appeals`, rawKey, body },
      201,
      (updateId) => this.appeals.file(principal, id, body, updateId),
    );
  }

  @Post('appeals/:caseId/outcome')
  @Allow(...APPEAL_DECIDERS)
  @ApiOperation({
    summary:
      'Record the appeal commission’s decision (row 12): upheld with the new score (a new grade-sheet version and export) or dismissed; approves the decision step',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['decision', 'reason', 'members'],
      properties: {
        decision: { type: 'string', enum: ['upheld', 'dismissed'] },
        newScore: {
          type: 'number',
          minimum: 0,
          maximum: 100,
          description:
            'when upheld (optional for an appeal against a violation act, which lifts the annulment)',
        },
        reason: { type: 'string', minLength: 1, maxLength: 2000 },
        members: {
          type: 'array',
          items: { type: 'string' },
          description:
            'person ids of the members who decided (at least the policy’s rules.appeal.commission.minMembers), the caller among them',
        },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({
    status: 201,
    description: 'decided; the grade-sheet version an upheld appeal produced',
  })
  @ApiResponse({
    status: 400,
    description: 'a field is missing or invalid; members not enough or not on the commission',
  })
  @ApiResponse({ status: 403, description: 'not a member of the appeal commission over this exam' })
  @ApiResponse({ status: 404, description: 'no such exam or appeal' })
  @ApiResponse({
    status: 409,
    description: 'the appeal is already decided, or its step is not open',
  })
  decide(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('caseId') caseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    if (!CASE_ID.test(caseId)) throw badRequest('caseId', 'must look like AP-1');
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/appeals/${caseId}/outcome`, rawKey, body },
      201,
      (updateId) => this.appeals.decide(principal, id, caseId, body, updateId),
    );
  }

  @Get('appeals')
  @Allow(...APPEAL_READERS)
  @ApiOperation({
    summary: "The exam's appeals and their outcomes (row 12; names students: an audited read)",
  })
  @ApiResponse({ status: 200, description: '{ examId, items: [...] }' })
  @ApiResponse({ status: 403, description: 'not a reader of this exam’s appeals' })
  list(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.appeals.list(principal, id);
  }

  @Get('my-grade')
  @Allow('*')
  @ApiOperation({
    summary:
      "The caller's own published result (row 12): score, letter, GPA, annulment and their appeal; nobody else's",
  })
  @ApiResponse({
    status: 200,
    description: '{ examId, version, code, score, letter, gpa, annulled, appeal }',
  })
  @ApiResponse({ status: 404, description: 'you have no result in this exam' })
  @ApiResponse({ status: 409, description: 'row 12: the results are not published yet' })
  myGrade(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.appeals.myGrade(principal, id);
  }
}
