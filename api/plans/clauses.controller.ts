import { Controller, Get, Headers, Inject, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Allow, STAFF } from '../auth/access.decorators';
import { pickLanguage } from '../common/language';
import { badRequest } from '../common/problem';
import { ClausesService } from './clauses.service';
import { LANGUAGE_HEADER } from './plans.controller';

@ApiTags('policy')
@ApiBearerAuth()
@Controller('policy')
export class ClausesController {
  constructor(@Inject(ClausesService) private readonly clauses: ClausesService) {}

  @Get('clauses')
  @Allow(...STAFF)
  @ApiOperation({
    summary: 'Every SOP clause, what it sets and what in the product enforces it (issue 7)',
    description:
      'GP 1–4, §5.1–§5.19, rows 1–12, Forms 1–4 and the impostor act. For each: what it sets (deadline, count, role, document, or procedure-only); the policy steps naming it (owner role, deadline expression, documents), the counting rules, the checks of sop/rules.ts and the exam events; roles and duties that only declare it; what nothing enforces (`uncovered`) and the gaps the catalogue states (`pending`). Computed from the policy in force.',
  })
  @ApiHeader(LANGUAGE_HEADER)
  @ApiQuery({
    name: 'uncovered',
    required: false,
    schema: { type: 'boolean' },
    description: 'true: only clauses with something unenforced; false: only fully enforced ones',
  })
  @ApiResponse({ status: 200, description: '`{ policyVersion, language, items, nextCursor }`' })
  @ApiResponse({ status: 400, description: '`uncovered` is not true or false' })
  list(
    @Query('uncovered') uncovered: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    if (uncovered !== undefined && uncovered !== 'true' && uncovered !== 'false')
      throw badRequest('uncovered', 'must be true or false');
    const lang = pickLanguage(acceptLanguage);
    res.setHeader('Content-Language', lang);
    res.setHeader('Vary', 'Accept-Language');
    return this.clauses.list(
      lang,
      uncovered === undefined ? {} : { uncovered: uncovered === 'true' },
    );
  }
}
