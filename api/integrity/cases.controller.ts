import { Body, Controller, Get, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Allow, CurrentPrincipal } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { badRequest } from '../common/problem';
import { actOnce, IDEMPOTENCY_REQUIRED } from '../exams/exams.controller';
import {
  ACT_SENDERS,
  CASE_DECIDERS,
  CASE_OPENERS,
  CASE_READERS,
  CasesService,
} from './cases.service';

const CASE_ID = /^V-\d{1,6}$/;
const caseOf = (raw: string) => {
  if (!CASE_ID.test(raw)) throw badRequest('caseId', 'must look like V-1');
  return raw;
};

/**
 * Violation cases (issue 9; §5.8, §5.14–§5.16, row 11): opened by a proctor, the working group or
 * the testing centre; decided by the integrity commission; the act sent by the dean's office;
 * acknowledged by the student; Form 3 when they refuse or stay silent.
 */
@ApiTags('integrity')
@ApiBearerAuth()
@Controller('exams/:id')
export class CasesController {
  constructor(
    @Inject(CasesService) private readonly cases: CasesService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post('cases')
  @Allow(...CASE_OPENERS)
  @ApiOperation({
    summary:
      'Open a violation case (§5.7, §5.8, row 11): a drawn Form 4 row, a proctoring flag, or an act on the spot (form2, impostor); the exam holds its recordings',
    description:
      'An act drawn up on the spot (source `form2` or `impostor`; §5.8, Form 2) names the people who drew it up in `drawnUpBy`: at least 3 distinct active people of the directory, each holding a seat over the exam’s department (proctor, testing centre, dean’s office, integrity commission, working group) whose title the act prints as their position. The act issued when the commission confirms the case lists them as its authors, each with a signature line, and the confirming commission apart. Any other source must not send `drawnUpBy` (its act is drawn up by the commission that confirms it). Errors name the field (`drawnUpBy`, `drawnUpBy[1]`) and nothing is saved.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['studentId', 'source'],
      properties: {
        studentId: { type: 'string' },
        source: { type: 'string', enum: ['form4', 'flag', 'form2', 'impostor'] },
        drawnUpBy: {
          type: 'array',
          items: { type: 'string' },
          minItems: 3,
          maxItems: 20,
          uniqueItems: true,
          description:
            '§5.8, Form 2: required for form2 and impostor, refused for the others — the person ids of the (at least three) people who drew up the act on the spot',
        },
        violations: {
          type: 'array',
          items: {
            type: 'string',
            enum: [
              'mobile_phone',
              'cheat_sheets',
              'electronic_devices',
              'other_screen',
              'seat_change_or_leaving',
              'talking',
            ],
          },
        },
        note: { type: 'string', maxLength: 2000 },
        impostor: { type: 'string', description: 'impostor act: who sat the exam' },
        recording: { type: 'string', description: 'the recording (link or id)' },
        time: { type: 'string', pattern: '^\\d{2}:\\d{2}$' },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'opened: caseId V-n, its workflow, the holds' })
  @ApiResponse({
    status: 400,
    description:
      'a field is missing or invalid (drawnUpBy: fewer than 3 people, someone unknown, inactive or without a seat); the student did not sit the exam',
  })
  @ApiResponse({ status: 409, description: 'the same case exists, or the recordings are deleted' })
  open(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/cases`, rawKey, body: body },
      201,
      (u) => this.cases.open(principal, id, body, u),
    );
  }

  @Post('cases/:caseId/decision')
  @Allow(...CASE_DECIDERS)
  @ApiOperation({
    summary:
      "The integrity commission's decision (§5.8, §5.15): confirmed (a numbered act, the result annulled) or dismissed; at least the policy's members, with a proctor, a testing-centre and a dean's-office member",
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['decision', 'reason', 'members'],
      properties: {
        decision: { type: 'string', enum: ['confirmed', 'dismissed'] },
        reason: { type: 'string' },
        members: { type: 'array', items: { type: 'string' } },
        student: {
          type: 'object',
          properties: { year: { type: 'integer' }, group: { type: 'string' } },
          description: 'when confirmed: for the act',
        },
        language: { type: 'string', enum: ['kk', 'ru'], default: 'kk' },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'decided; the act (number, sha256) when confirmed' })
  @ApiResponse({
    status: 400,
    description: 'a field is missing; the commission is too small or lacks a role',
  })
  @ApiResponse({ status: 409, description: 'already decided' })
  decide(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('caseId') caseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const c = caseOf(caseId);
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/cases/${c}/decision`, rawKey, body: body },
      201,
      (u) => this.cases.decide(principal, id, c, body, u),
    );
  }

  @Post('cases/:caseId/delivery')
  @Allow(...ACT_SENDERS)
  @ApiOperation({
    summary:
      "The dean's office sends the confirmed act to the student's email and AIS account (§5.16)",
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'sent; the acknowledgement is due' })
  @ApiResponse({ status: 409, description: 'no confirmed act, or the step is not open' })
  deliver(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('caseId') caseId: string,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const c = caseOf(caseId);
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/cases/${c}/delivery`, rawKey, body: {} },
      201,
      (u) => this.cases.deliver(principal, id, c, u),
    );
  }

  @Post('cases/:caseId/acknowledgement')
  @Allow('student')
  @ApiOperation({
    summary:
      "The student's answer to the act (§5.16): agree, disagree (an appeal may follow) or refuse (Form 3 falls due); their own case only",
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['answer'],
      properties: {
        answer: { type: 'string', enum: ['agree', 'disagree', 'refuse'] },
        comment: { type: 'string', maxLength: 2000 },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'recorded' })
  @ApiResponse({ status: 404, description: 'not your case' })
  acknowledge(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('caseId') caseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const c = caseOf(caseId);
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/cases/${c}/acknowledgement`, rawKey, body: body },
      201,
      (u) => this.cases.acknowledge(principal, id, c, body, u),
    );
  }

  @Post('cases/:caseId/refusal-act')
  @Allow(...CASE_DECIDERS)
  @ApiOperation({
    summary:
      'Form 3 (§5.16): the refusal to sign the act, certified by one person before two witnesses',
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'Form 3 issued (number, sha256)' })
  @ApiResponse({ status: 400, description: 'a person or the student’s year/group is missing' })
  @ApiResponse({ status: 409, description: 'no act awaiting a refusal act' })
  refusalAct(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('caseId') caseId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const c = caseOf(caseId);
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/cases/${c}/refusal-act`, rawKey, body: body },
      201,
      (u) => this.cases.refusalAct(principal, id, c, body, u),
    );
  }

  @Get('cases')
  @Allow(...CASE_READERS)
  @ApiOperation({ summary: "The exam's violation cases (names students: an audited read)" })
  list(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.cases.list(principal, id);
  }

  @Get('cases/:caseId')
  @Allow('*')
  @ApiOperation({ summary: 'One case with its steps: its readers, or its own student' })
  @ApiResponse({ status: 404, description: 'no such case, or not yours to see' })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('caseId') caseId: string,
  ): Promise<unknown> {
    return this.cases.get(principal, id, caseOf(caseId));
  }

  @Get('documents/:documentId.pdf')
  @Allow('*')
  @ApiProduces('application/pdf')
  @ApiOperation({
    summary:
      "A numbered integrity document (Form 2, 3, 4, impostor act): the case's readers and its student",
  })
  @ApiResponse({ status: 404, description: 'no such document in this exam' })
  async document(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('documentId') documentId: string,
    @Res() res: Response,
  ): Promise<void> {
    const doc = await this.cases.document(principal, id, documentId);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${doc.filename}"`);
    res.send(doc.pdf);
  }
}
