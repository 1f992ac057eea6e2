import { Controller, Get, Headers, Inject, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
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
import { pickLanguage } from '../common/language';
import { chartPng, complianceSvg } from './compliance.chart';
import { complianceXlsx } from './compliance.xlsx';
import { parseScope, REPORT_READERS, ReportsService } from './reports.service';

const SCOPE_QUERIES = [
  {
    name: 'sessionId',
    description: 'a session: its exams’ steps and its own steps (GP 4, rows 3–5)',
  },
  { name: 'schoolId', description: 'a school: the steps of its departments’ exams' },
  { name: 'departmentId', description: 'a department: the steps of its exams' },
];
const LANGUAGE_HEADER = {
  name: 'Accept-Language',
  required: false,
  description: 'kk, ru or en for the chart and the workbook’s titles; default your own language',
};

function scoped(): MethodDecorator {
  return (target, key, descriptor) => {
    for (const q of SCOPE_QUERIES)
      ApiQuery({
        ...q,
        required: false,
        description: `${q.description} (exactly one of sessionId, schoolId, departmentId)`,
      })(target, key, descriptor);
    ApiResponse({ status: 400, description: 'not exactly one scope parameter; names the field' })(
      target,
      key,
      descriptor,
    );
    ApiResponse({ status: 404, description: 'no such session or unit, or not yours to read' })(
      target,
      key,
      descriptor,
    );
  };
}

/**
 * Compliance with the SOP's deadlines (issue 7): on time, late, overdue, waived and escalated per
 * step, department and person, for a session, a school or a department. Auditors, admins and
 * vice-rectors read every scope; a dean their school; a head their department.
 */
@ApiTags('reports')
@ApiBearerAuth()
@Controller('reports')
export class ReportsController {
  constructor(@Inject(ReportsService) private readonly reports: ReportsService) {}

  @Get('compliance')
  @Allow(...REPORT_READERS)
  @ApiOperation({
    summary: 'Compliance report (JSON): by step, department and person, with waivers',
  })
  @scoped()
  @ApiResponse({ status: 200, description: 'the report (definitions included)' })
  json(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<unknown> {
    return this.reports.complianceFor(
      principal,
      parseScope(query),
      Date.now(),
      'GET /reports/compliance',
    );
  }

  @Get('compliance.xlsx')
  @Allow(...REPORT_READERS)
  @ApiOperation({
    summary:
      'Compliance report as a workbook: Summary, By step, By department, By person, Waivers, Chart',
  })
  @scoped()
  @ApiHeader(LANGUAGE_HEADER)
  @ApiProduces('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
  @ApiResponse({ status: 200, description: 'the workbook' })
  async xlsx(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    const scope = parseScope(query);
    const lang = pickLanguage(acceptLanguage, principal.language);
    const report = await this.reports.complianceFor(
      principal,
      scope,
      Date.now(),
      'GET /reports/compliance.xlsx',
    );
    const book = await complianceXlsx(report, lang, chartPng(complianceSvg(report, lang)));
    res.setHeader('Content-Language', lang);
    return new StreamableFile(book, {
      type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      disposition: `attachment; filename="compliance-${scope.kind}-${encodeURIComponent(scope.id)}.xlsx"`,
    });
  }

  @Get('compliance.svg')
  @Allow(...REPORT_READERS)
  @ApiOperation({
    summary: 'Compliance chart (SVG): on-time rate by department and by step',
  })
  @scoped()
  @ApiHeader(LANGUAGE_HEADER)
  @ApiProduces('image/svg+xml')
  @ApiResponse({ status: 200, description: 'the chart' })
  async svg(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const lang = pickLanguage(acceptLanguage, principal.language);
    const report = await this.reports.complianceFor(
      principal,
      parseScope(query),
      Date.now(),
      // The chart names departments and steps, no person: not a read of personal data.
      null,
    );
    res.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
    res.setHeader('Content-Language', lang);
    res.setHeader('Vary', 'Accept-Language');
    return complianceSvg(report, lang);
  }
}
