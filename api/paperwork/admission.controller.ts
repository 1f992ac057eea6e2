import {
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
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash } from 'node:crypto';
import { Allow, CurrentPrincipal } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { badRequest } from '../common/problem';
import { IMPORT_LIMITS } from '../directory/import/parse-people';
import { IDEMPOTENCY_REQUIRED, reply, requireKey } from '../exams/exams.controller';
import { ADMISSION_IMPORTERS, ADMISSION_READERS, AdmissionService } from './admission.service';
import type { UploadedDocument } from './upload-table';

/**
 * The admission-rating statement (§5.1): imported by the testing centre as CSV or XLSX, the whole
 * list replacing the previous one; read by the testing centre, the department's head and
 * responsible person and auditors (a personal-data read, audited).
 */
@ApiTags('paperwork')
@ApiBearerAuth()
@Controller('exams/:id/admission')
export class AdmissionController {
  constructor(
    @Inject(AdmissionService) private readonly admission: AdmissionService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @Allow(...ADMISSION_IMPORTERS)
  @HttpCode(200)
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
            'CSV or XLSX: email (a student of the directory), rating (0–100), admitted (yes/no), day (optional, 1..days), retake (yes/no, optional)',
        },
      },
    },
  })
  @ApiOperation({
    summary: "Import the exam's admission list (§5.1, testing centre): replaces the previous list",
  })
  @ApiHeader({ ...IDEMPOTENCY_REQUIRED, required: false })
  @ApiResponse({ status: 200, description: 'the new list version, its sha256 and counts' })
  @ApiResponse({ status: 400, description: 'nothing saved; errors give row and column' })
  @ApiResponse({ status: 403, description: 'not the testing centre of this department' })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  async import(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @UploadedFile() file: UploadedDocument | undefined,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, false);
    const act = async () => ({
      status: 200,
      body: await this.admission.import(principal, id, file),
    });
    if (key === undefined) return (await act()).body;
    const fingerprint = {
      file: file === undefined ? null : createHash('sha256').update(file.buffer).digest('hex'),
    };
    return reply(
      res,
      await this.idempotency.run(
        `${principal.personId} POST /exams/${id}/admission`,
        key,
        fingerprint,
        act,
      ),
    );
  }

  @Get()
  @Allow(...ADMISSION_READERS)
  @ApiOperation({
    summary:
      "The exam's admission list with the students' names (testing centre, head, responsible person, auditors); audited",
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 5000, default: 1000 },
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<unknown> {
    const n = limit === undefined ? 1000 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 5000)
      throw badRequest('limit', 'must be a whole number from 1 to 5000');
    return this.admission.list(principal, id, n, cursor);
  }
}
