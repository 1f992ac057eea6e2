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
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Allow, CurrentPrincipal } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { badRequest } from '../common/problem';
import { actOnce, IDEMPOTENCY_REQUIRED } from '../exams/exams.controller';
import { STATEMENT_LANGUAGES, type StatementLanguage } from './grade-sheet.pdf';
import {
  GradeSheetService,
  SHEET_CONFIRMERS,
  SHEET_EXPORTERS,
  SHEET_FORMERS,
  SHEET_READERS,
} from './grade-sheet.service';

function versionOf(raw: string): number {
  const n = Number(raw);
  if (!/^\d{1,6}$/.test(raw) || n < 1) throw badRequest('version', 'must be a whole number ≥ 1');
  return n;
}

/**
 * The grade sheet (§5.19, rows 9–10): the head forms versions from the opened grades, examiners
 * and the head reconcile them, the registrar exports a reconciled version to the transcript.
 */
@ApiTags('grading')
@ApiBearerAuth()
@Controller('exams/:id/grade-sheets')
export class GradeSheetController {
  constructor(
    @Inject(GradeSheetService) private readonly sheets: GradeSheetService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @Allow(...SHEET_FORMERS)
  @ApiOperation({
    summary:
      'Form the next grade-sheet version from the grades once the codes are opened (§5.19, row 9; head of department); annulments from confirmed violation cases set 0/F (§5.8, §5.16)',
  })
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      properties: {
        annulled: {
          type: 'array',
          items: {
            type: 'object',
            required: ['studentId', 'caseId', 'reason'],
            properties: {
              studentId: { type: 'string' },
              caseId: { type: 'string' },
              reason: { type: 'string' },
            },
          },
        },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'the version formed: version, sha256, students' })
  @ApiResponse({ status: 409, description: 'row 8: the work codes are not opened yet' })
  @ApiResponse({ status: 422, description: '§5.17: a work is not graded' })
  form(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/grade-sheets`, rawKey, body },
      201,
      () => this.sheets.form(principal, id, body),
    );
  }

  @Post(':version/confirm')
  @Allow(...SHEET_CONFIRMERS)
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Confirm the latest version, or dispute codes (they reopen for regrading; a new version is needed) (§5.19, examiners and the head); reconciled when the head and every examiner who graded confirmed',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['confirmed'],
      properties: {
        confirmed: { type: 'boolean' },
        disputedCodes: { type: 'array', items: { type: 'string' } },
        comment: { type: 'string' },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: 'who is still pending; reconciledAt once reconciled' })
  @ApiResponse({ status: 409, description: 'the version is superseded or already reconciled' })
  confirm(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('version') version: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const v = versionOf(version);
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/grade-sheets/${v}/confirm`, rawKey, body },
      200,
      () => this.sheets.confirm(principal, id, v, body),
    );
  }

  @Get()
  @Allow(...SHEET_READERS)
  @ApiOperation({
    summary:
      "The exam's grade-sheet versions (no rows): version, sha256, reason, reconciledAt (§5.19)",
  })
  list(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.sheets.list(principal, id);
  }

  @Get(':version')
  @Allow(...SHEET_READERS)
  @ApiOperation({
    summary:
      'A grade-sheet version with its rows (students named: an audited read), confirmations and who is pending (§5.19)',
  })
  @ApiResponse({ status: 404, description: 'no such exam or version, or not yours to see' })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('version') version: string,
  ): Promise<unknown> {
    return this.sheets.get(principal, id, versionOf(version));
  }

  @Get(':version/statement.pdf')
  @Allow(...SHEET_READERS)
  @ApiOperation({
    summary:
      'The reconciliation statement (§5.19) as PDF, kk or ru: exam facts, the table, who confirmed when, signature lines; audited',
  })
  @ApiQuery({ name: 'lang', required: false, enum: STATEMENT_LANGUAGES })
  @ApiProduces('application/pdf')
  @ApiResponse({ status: 400, description: 'lang is not kk or ru' })
  async statement(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('version') version: string,
    @Res() res: Response,
    @Query('lang') lang?: string,
  ): Promise<void> {
    const language = lang ?? (principal.language === 'ru' ? 'ru' : 'kk');
    if (!(STATEMENT_LANGUAGES as readonly string[]).includes(language))
      throw badRequest('lang', `must be one of ${STATEMENT_LANGUAGES.join(', ')}`);
    const answer = await this.sheets.statement(
      principal,
      id,
      versionOf(version),
      language as StatementLanguage,
    );
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${answer.filename}"`);
    res.setHeader('Content-Language', language);
    res.setHeader('Cache-Control', 'no-store');
    res.send(answer.pdf);
  }

  @Get(':version/export.csv')
  @Allow(...SHEET_EXPORTERS)
  @ApiOperation({
    summary:
      'Row 10: the registrar exports a reconciled version (CSV: email, full_name, score, letter, gpa, annulled, version); recorded and audited',
  })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 409, description: 'row 10: the version is not reconciled' })
  exportCsv(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('version') version: string,
    @Res() res: Response,
  ): Promise<void> {
    return this.send(principal, id, version, 'csv', res);
  }

  @Get(':version/export.xlsx')
  @Allow(...SHEET_EXPORTERS)
  @ApiOperation({
    summary:
      'Row 10: the registrar exports a reconciled version (XLSX, the CSV columns); recorded and audited',
  })
  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiResponse({ status: 409, description: 'row 10: the version is not reconciled' })
  exportXlsx(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('version') version: string,
    @Res() res: Response,
  ): Promise<void> {
    return this.send(principal, id, version, 'xlsx', res);
  }

  private async send(
    principal: Principal,
    id: string,
    version: string,
    format: 'csv' | 'xlsx',
    res: Response,
  ): Promise<void> {
    const answer = await this.sheets.export(principal, id, versionOf(version), format);
    res.setHeader(
      'Content-Type',
      format === 'csv'
        ? 'text/csv; charset=utf-8'
        : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    res.setHeader('Content-Disposition', `attachment; filename="${answer.filename}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(answer.data);
  }
}
