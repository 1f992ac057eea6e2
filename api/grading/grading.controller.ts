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
import type { UploadedDocument } from '../paperwork/upload-table';
import { GRADERS, GradingService, WORK_READERS } from './grading.service';

/**
 * Anonymised grading (§5.6, §5.17, rows 6–8): examiners see the works by code only and enter the
 * grades, as JSON or as Moodle's gradebook export, until the grading step is done.
 */
@ApiTags('grading')
@ApiBearerAuth()
@Controller('exams/:id')
export class GradingController {
  constructor(
    @Inject(GradingService) private readonly grading: GradingService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Get('works')
  @Allow(...WORK_READERS)
  @ApiOperation({
    summary:
      "The exam's works by code with their grades (§5.6: never who wrote them; examiners, head, responsible person, auditors)",
  })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 5000, default: 1000 },
  })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  works(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<unknown> {
    const n = limit === undefined ? 1000 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 5000)
      throw badRequest('limit', 'must be a whole number from 1 to 5000');
    return this.grading.works(principal, id, n, cursor);
  }

  @Post('grades')
  @Allow(...GRADERS)
  @HttpCode(200)
  @UseInterceptors(
    FileInterceptor('file', { limits: { fileSize: IMPORT_LIMITS.maxBytes, files: 1, fields: 0 } }),
  )
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'array',
          items: {
            type: 'object',
            required: ['code', 'score'],
            properties: {
              code: { type: 'string', pattern: '^[A-Z0-9]{4,16}$' },
              score: { type: 'number', minimum: 0, maximum: 100 },
            },
          },
        },
        {
          type: 'object',
          required: ['file'],
          properties: {
            file: {
              type: 'string',
              format: 'binary',
              description:
                "Moodle's gradebook export (CSV or XLSX): the work code in 'ID number' (or 'code'); the score in 'score', else the one '<item> (Real)' column, else 'Course total (Real)'; other columns ignored",
            },
          },
        },
      ],
    },
  })
  @ApiOperation({
    summary:
      'Grade works by code on the 100-point scale (§5.17, row 7, examiners): all or nothing; letter and GPA from the policy scale',
  })
  @ApiHeader({ ...IDEMPOTENCY_REQUIRED, required: false })
  @ApiResponse({ status: 200, description: 'how many were saved; works and graded counts' })
  @ApiResponse({ status: 400, description: 'nothing saved; errors give row and column' })
  @ApiResponse({ status: 403, description: 'not an examiner of this department' })
  @ApiResponse({ status: 409, description: '§5.17: the grading step is done' })
  async grade(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
    @UploadedFile() file: UploadedDocument | undefined,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, false);
    const act = async () => ({
      status: 200,
      body: await this.grading.grade(principal, id, body, file),
    });
    if (key === undefined) return (await act()).body;
    const fingerprint = {
      file: file === undefined ? null : createHash('sha256').update(file.buffer).digest('hex'),
      body: file === undefined ? body : null,
    };
    return reply(
      res,
      await this.idempotency.run(
        `${principal.personId} POST /exams/${id}/grades`,
        key,
        fingerprint,
        act,
      ),
    );
  }
}
