import { createHash } from 'node:crypto';
import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
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
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Allow, CurrentPrincipal, STAFF } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { pickLanguage } from '../common/language';
import { IDEMPOTENCY_REQUIRED, reply, requireKey } from '../exams/exams.controller';
import { QUESTION_LIST_LIMITS } from './question-lists.parse';
import { QuestionListsService, type UploadedList } from './question-lists.service';

const LAYOUT = `An .xlsx workbook with four sheets, row 1 of each holding its column headers (any order, letter case ignored; blank rows skipped):
- "Questions": No (1, 2, …), Question (the text; each question once), Kind (question or situational);
- "Rubric" (the evaluation sheet): Criterion, Points (a number, 0 or more);
- "Aids" (technical aids allowed): Aid;
- "Literature" (reference literature allowed): Source.
Or a .json document {"questions":[{"number":1,"text":"…","kind":"question"}],"rubric":[{"criterion":"…","points":10}],"aids":["…"],"literature":["…"]}.
At most ${QUESTION_LIST_LIMITS.maxBytes / 1024 / 1024} MB and ${QUESTION_LIST_LIMITS.maxRows} rows per sheet. GP 3: the number of questions must match the exam's credits (1 credit: 10, 3 or more: 40, 2: the policy default; an exam registered without credits: the policy default).`;

/**
 * The question list of an exam (GP 3, row 1): the department uploads versions; staff who may read
 * the exam read them. Thin: the service authorises, checks and stores.
 */
@ApiTags('paperwork')
@ApiBearerAuth()
@Controller('exams/:id/question-lists')
export class QuestionListsController {
  constructor(
    @Inject(QuestionListsService) private readonly lists: QuestionListsService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @Allow(...STAFF)
  @HttpCode(201)
  @UseInterceptors(
    FileInterceptor('file', {
      limits: { fileSize: QUESTION_LIST_LIMITS.maxBytes, files: 1, fields: 0 },
    }),
  )
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    description: LAYOUT,
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description: LAYOUT } },
    },
  })
  @ApiOperation({
    summary:
      "Upload a new version of the exam's question list, rubric, aids and literature (GP 3, row 1): the department's head or responsible person",
    description: LAYOUT,
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'stored as the next version, with its sha256' })
  @ApiResponse({
    status: 400,
    description:
      'the file cannot be read (format, sheet, column, cell): nothing saved; errors give path (e.g. Questions!B7), row, column and message',
  })
  @ApiResponse({ status: 403, description: "not the department's head or responsible person" })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  @ApiResponse({ status: 409, description: 'the same list as the latest version' })
  @ApiResponse({ status: 413, description: 'file larger than 2 MB' })
  @ApiResponse({
    status: 422,
    description: "the number of questions breaks GP 3 for the exam's credits: nothing saved",
  })
  async upload(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @UploadedFile() file: UploadedList | undefined,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const key = requireKey(rawKey, true)!;
    const request =
      file === undefined
        ? null
        : {
            name: file.originalname,
            sha256: createHash('sha256').update(file.buffer).digest('hex'),
          };
    const answer = await this.idempotency.run(
      `${principal.personId} POST /exams/${id}/question-lists`,
      key,
      request,
      async () => ({
        status: 201,
        body: await this.lists.upload(
          principal,
          id,
          file,
          pickLanguage(acceptLanguage, principal.language),
        ),
      }),
    );
    return reply(res, answer);
  }

  @Get()
  @Allow(...STAFF)
  @ApiOperation({
    summary:
      'The versions of the question list, with the GP 3 steps that approved each (404 when the exam is outside your scope)',
  })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  list(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.lists.list(principal, id);
  }

  @Get(':version')
  @Allow(...STAFF)
  @ApiOperation({ summary: 'One version of the question list with its content' })
  @ApiResponse({ status: 400, description: 'version is not a whole number' })
  @ApiResponse({ status: 404, description: 'no such exam or version, or not yours to see' })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Param('version') version: string,
  ): Promise<unknown> {
    return this.lists.get(principal, id, version);
  }
}
