import {
  Controller,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Res,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { Allow, CurrentPrincipal } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { IMPORT_LIMITS } from '../directory/import/parse-people';
import { actOnce, IDEMPOTENCY_REQUIRED } from '../exams/exams.controller';
import type { UploadedDocument } from '../paperwork/upload-table';
import { Form4Service } from './form4.service';

/** A returned Form 4 with its acts: the workbook's limit, and 10 MB per act PDF. */
const ACT_MAX_BYTES = 10 * 1024 * 1024;

/** §5.14: the multipart fields of a Form 4 return (here and on the email link's upload page). */
export const FORM4_FILE_FIELDS = [
  { name: 'file', maxCount: 1 },
  { name: 'acts', maxCount: 200 },
];
export const FORM4_FILE_LIMITS = {
  fileSize: Math.max(IMPORT_LIMITS.maxBytes, ACT_MAX_BYTES),
  files: 201,
  fields: 0,
};

/** Form 4's return and signature (§5.14, §5.15). */
@ApiTags('integrity')
@ApiBearerAuth()
@Controller('exams/:id/form4/:proctorId')
export class Form4Controller {
  constructor(
    @Inject(Form4Service) private readonly form4: Form4Service,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @Allow('proctor', 'working_group_member')
  @HttpCode(200)
  @UseInterceptors(FileFieldsInterceptor(FORM4_FILE_FIELDS, { limits: FORM4_FILE_LIMITS }))
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'the filled Form 4 (XLSX)' },
        acts: {
          type: 'array',
          items: { type: 'string', format: 'binary' },
          description: 'a PDF act per "drawn" row, named <row No.>.pdf',
        },
      },
    },
  })
  @ApiOperation({
    summary:
      'Return the filled Form 4 with its PDF acts (§5.14): every student once, ACT filled, an act for every "drawn" row; nothing saved on any problem',
  })
  @ApiHeader({ ...IDEMPOTENCY_REQUIRED, required: false })
  @ApiResponse({ status: 200, description: 'saved: students, drawn, sha256' })
  @ApiResponse({ status: 400, description: 'nothing saved; errors give row and column' })
  @ApiResponse({ status: 403, description: 'not this Form 4’s proctor or member' })
  @ApiResponse({ status: 409, description: 'already signed' })
  async return(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('proctorId') proctorId: string,
    @UploadedFiles() files: { file?: UploadedDocument[]; acts?: UploadedDocument[] } = {},
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const file = files.file?.[0];
    const acts = files.acts ?? [];
    const act = () => this.form4.return(principal, id, proctorId, file, acts);
    if (rawKey === undefined) return act();
    const fingerprint = [file, ...acts].map((f) =>
      f === undefined ? null : createHash('sha256').update(f.buffer).digest('hex'),
    );
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/form4/${proctorId}`, rawKey, body: fingerprint },
      200,
      act,
    );
  }

  @Post('sign')
  @Allow('working_group_member')
  @ApiOperation({
    summary:
      'The working-group member signs a returned Form 4 (§5.15): the numbered Form 4 PDF, and a violation case for every "drawn" row (row 11)',
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'signed: the document and the cases opened' })
  @ApiResponse({ status: 403, description: 'not the member answering for this proctor' })
  @ApiResponse({ status: 409, description: 'not returned yet, or already signed' })
  sign(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('proctorId') proctorId: string,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `POST /exams/${id}/form4/${proctorId}/sign`, rawKey, body: {} },
      201,
      (updateId) => this.form4.sign(principal, id, proctorId, updateId),
    );
  }
}
