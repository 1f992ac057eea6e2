import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
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
import { z } from 'zod';
import { Allow, STAFF } from '../auth/access.decorators';
import { pickLanguage } from '../common/language';
import { PlansService } from './plans.service';
import { previewSchema } from './plans.schema';

export const LANGUAGE_HEADER = {
  name: 'Accept-Language',
  required: false,
  description: 'kk, ru or en (quality values honoured); titles and texts follow it; default kk',
};

@ApiTags('plans')
@ApiBearerAuth()
@Controller('plans/preview')
export class PlansController {
  constructor(@Inject(PlansService) private readonly plans: PlansService) {}

  @Post()
  @Allow(...STAFF)
  @HttpCode(201)
  @ApiOperation({
    summary: 'Plan a session and its exams: every SOP step with its due, reminders and clauses',
    description:
      'Nothing is started: the plan is computed by sop/plan.ts with the policy in force and kept under an id derived from the request, for its JSON and .ics forms.',
  })
  @ApiBody({
    schema: z.toJSONSchema(previewSchema, { io: 'input', unrepresentable: 'any' }) as object,
  })
  @ApiHeader(LANGUAGE_HEADER)
  @ApiResponse({
    status: 201,
    description: 'the plan; Location and `ics` point at its calendar file',
  })
  @ApiResponse({ status: 400, description: 'bad input; `errors` name each field' })
  async preview(
    @Body() body: unknown,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const lang = pickLanguage(acceptLanguage);
    const plan = await this.plans.preview(body, lang, Date.now());
    res.setHeader('Content-Language', lang);
    res.setHeader('Location', `/plans/preview/${plan.id}`);
    return plan;
  }

  @Get(':file')
  @Allow(...STAFF)
  @ApiOperation({ summary: 'A stored preview as JSON (`:id`) or as an iCalendar file (`:id.ics`)' })
  @ApiHeader(LANGUAGE_HEADER)
  @ApiProduces('application/json', 'text/calendar')
  @ApiResponse({ status: 404, description: 'no such preview' })
  async get(
    @Param('file') file: string,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const lang = pickLanguage(acceptLanguage);
    res.setHeader('Content-Language', lang);
    res.setHeader('Vary', 'Accept-Language');
    if (file.endsWith('.ics')) {
      const id = file.slice(0, -'.ics'.length);
      const text = await this.plans.ics(id, lang);
      res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="emtihan-plan-${id}.ics"`);
      return text;
    }
    return this.plans.json(file, lang);
  }
}
