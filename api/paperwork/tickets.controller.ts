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
  UploadedFile,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { Allow, CurrentPrincipal, STAFF } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { badRequest } from '../common/problem';
import { IDEMPOTENCY_REQUIRED, reply, requireKey } from '../exams/exams.controller';
import { IMPORT_LIMITS } from '../directory/import/parse-people';
import { FORM1_LANGUAGES, type Form1Language } from './form1.pdf';
import { TICKET_APPROVERS, TICKET_UPLOADERS, TicketsService } from './tickets.service';
import type { UploadedDocument } from './upload-table';

export class ApproveTicketSetDto {
  @ApiPropertyOptional({
    description: 'the version approved (the latest unless given; 409 when it is not the latest)',
    minimum: 1,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version?: number;
}

/**
 * Exam tickets (§5.1–§5.3, Form 1): a day's set uploaded by the department's responsible person
 * (or the head), approved by the head, readable in full only by the keepers until the exam starts
 * (§5.2: everyone else is answered 404), and as Form 1 in PDF.
 */
@ApiTags('paperwork')
@ApiBearerAuth()
@Controller('exams/:id/ticket-sets')
export class TicketsController {
  constructor(
    @Inject(TicketsService) private readonly tickets: TicketsService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post(':day')
  @Allow(...TICKET_UPLOADERS)
  @HttpCode(201)
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: IMPORT_LIMITS.maxBytes, files: 1, fields: 0 } }),
  )
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: {
          type: 'string',
          format: 'binary',
          description:
            'XLSX: one row per variant, columns Variant (1..n), Item 1, Item 1 kind, Item 2, Item 2 kind (kind: question | situational); or JSON { questionListVersion?, variants: [{ items: [{ kind, text }] }] }',
        },
      },
    },
  })
  @ApiOperation({
    summary:
      "Upload a day's ticket set (§5.1, Form 1): a new version, stored sealed; the responsible person or the head",
  })
  @ApiHeader({ ...IDEMPOTENCY_REQUIRED, required: false })
  @ApiResponse({
    status: 201,
    description: 'the stored version (the latest one if the content is the same)',
  })
  @ApiResponse({ status: 400, description: 'nothing saved; errors give row and column' })
  @ApiResponse({
    status: 403,
    description: 'not the responsible person or head of this department',
  })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  @ApiResponse({
    status: 422,
    description:
      'nothing saved; breaks §5.1 (count, renewal across days), Form 1 or GP 3 (approved list)',
  })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('day') day: string,
    @UploadedFile() file: UploadedDocument | undefined,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, false);
    const act = async () => {
      const stored = await this.tickets.upload(principal, id, day, file);
      return { status: stored.created ? 201 : 200, body: stored.body };
    };
    if (key === undefined) {
      const answer = await act();
      res.status(answer.status);
      return answer.body;
    }
    const fingerprint = {
      day,
      file: file === undefined ? null : createHash('sha256').update(file.buffer).digest('hex'),
    };
    return reply(
      res,
      await this.idempotency.run(
        `${principal.personId} POST /exams/${id}/ticket-sets/${day}`,
        key,
        fingerprint,
        act,
      ),
    );
  }

  @Post(':day/approve')
  @Allow(...TICKET_APPROVERS)
  @HttpCode(200)
  @ApiOperation({
    summary:
      "The head approves a day's ticket set (Form 1) and the day's assignment seed is committed (§5.3, §5.5)",
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: 'approved; the seed commitment' })
  @ApiResponse({ status: 403, description: 'not the head of this department' })
  @ApiResponse({ status: 404, description: 'no such exam or ticket set' })
  @ApiResponse({ status: 409, description: 'the version named is not the latest' })
  async approve(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('day') day: string,
    @Body() dto: ApproveTicketSetDto,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, true)!;
    return reply(
      res,
      await this.idempotency.run(
        `${principal.personId} POST /exams/${id}/ticket-sets/${day}/approve`,
        key,
        dto,
        async () => ({
          status: 200,
          body: await this.tickets.approve(principal, id, day, dto.version),
        }),
      ),
    );
  }

  @Get()
  @Allow(...STAFF)
  @ApiOperation({
    summary:
      "The exam's ticket-set versions: day, version, sha256, counts, who uploaded and approved (no content)",
  })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  list(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.tickets.list(principal, id);
  }

  @Get(':day')
  @Allow(...STAFF)
  @ApiOperation({
    summary:
      "A day's tickets (the latest version or ?version=): before the exam starts only the head, the responsible person and the testing centre (§5.2); audited",
  })
  @ApiQuery({ name: 'version', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({ status: 404, description: 'no such exam or set, or not yours to see (§5.2)' })
  content(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('day') day: string,
    @Query('version') version?: string,
  ): Promise<unknown> {
    return this.tickets.content(principal, id, day, version);
  }

  @Get(':day/form1.pdf')
  @Allow(...STAFF)
  @ApiOperation({
    summary:
      "A day's tickets as Form 1 (PDF, kk or ru; tickets without numbers): the same readers as the content; audited",
  })
  @ApiQuery({ name: 'lang', required: false, enum: FORM1_LANGUAGES })
  @ApiQuery({ name: 'version', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiProduces('application/pdf')
  @ApiResponse({ status: 200, description: 'Form 1 as PDF' })
  @ApiResponse({ status: 400, description: 'lang is not kk or ru' })
  @ApiResponse({ status: 404, description: 'no such exam or set, or not yours to see (§5.2)' })
  async form1(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('day') day: string,
    @Res() res: Response,
    @Query('lang') lang?: string,
    @Query('version') version?: string,
  ): Promise<void> {
    const language = lang ?? (principal.language === 'ru' ? 'ru' : 'kk');
    if (!(FORM1_LANGUAGES as readonly string[]).includes(language))
      throw badRequest('lang', `must be one of ${FORM1_LANGUAGES.join(', ')}`);
    const answer = await this.tickets.form1(principal, id, day, language as Form1Language, version);
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="${answer.filename}"`);
    res.setHeader('Content-Language', language);
    res.setHeader('Cache-Control', 'no-store');
    res.send(answer.body);
  }
}
