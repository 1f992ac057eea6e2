import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
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
import { LANGUAGES, pickLanguage, type Language } from '../common/language';
import { badRequest } from '../common/problem';
import { HistoryService } from './history.service';

/** `?lang=` wins over Accept-Language (a link to a download carries no headers). */
function language(lang: string | undefined, acceptLanguage: string | undefined): Language {
  if (lang === undefined) return pickLanguage(acceptLanguage);
  if (!(LANGUAGES as readonly string[]).includes(lang))
    throw badRequest('lang', `must be one of ${LANGUAGES.join(', ')}`);
  return lang as Language;
}

/** A download's headers (the file name is ASCII: exam ids are letters, digits, ".", "_", "-"). */
function download(res: Response, type: string, filename: string, lang?: Language): void {
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  if (lang !== undefined) res.setHeader('Content-Language', lang);
}

const LANG_QUERY = {
  name: 'lang',
  required: false,
  enum: LANGUAGES,
  description: 'the language of the sentences; overrides Accept-Language',
};
const ACCEPT_LANGUAGE = {
  name: 'Accept-Language',
  required: false,
  description: 'kk, ru or en (quality values honoured); Kazakh when none of them',
};

/**
 * History for auditors (issue 7). Every route may be called by anyone signed in; the service lets
 * through whoever may read the exam (auditors any exam, admins, its readers) and answers 404 to
 * everyone else, as GET /exams/:id does.
 */
@ApiTags('history')
@ApiBearerAuth()
@Controller('exams/:id')
export class HistoryController {
  constructor(@Inject(HistoryService) private readonly history: HistoryService) {}

  @Get('history')
  @Allow('*')
  @ApiOperation({
    summary:
      "The exam's timeline: its audit records and its workflow's Temporal events merged, as sentences in kk, ru or en",
  })
  @ApiQuery(LANG_QUERY)
  @ApiHeader(ACCEPT_LANGUAGE)
  @ApiResponse({ status: 200, description: 'the timeline (items in time order)' })
  @ApiResponse({ status: 400, description: 'lang is not kk, ru or en' })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  async timeline(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query('lang') lang: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const chosen = language(lang, acceptLanguage);
    res.setHeader('Content-Language', chosen);
    return this.history.timeline(principal, id, chosen, 'GET /exams/:id/history');
  }

  @Get('history.json')
  @Allow('*')
  @ApiOperation({
    summary:
      'The raw Temporal event history (proto3 JSON, as `temporal workflow show --output json`): it replays',
  })
  @ApiProduces('application/json')
  @ApiResponse({ status: 200, description: 'the history, from Temporal or from the archive' })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  @ApiResponse({
    status: 410,
    description: "Temporal's retention removed it before it was archived",
  })
  async json(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.history.json(principal, id);
    download(res, 'application/json; charset=utf-8', answer.filename);
    res.setHeader('X-History-Source', answer.source);
    res.send(answer.body);
  }

  @Get('history.csv')
  @Allow('*')
  @ApiOperation({
    summary: 'The timeline as CSV (RFC 4180, UTF-8 with BOM, one row per item, header row)',
  })
  @ApiQuery(LANG_QUERY)
  @ApiHeader(ACCEPT_LANGUAGE)
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'the timeline as CSV' })
  @ApiResponse({ status: 400, description: 'lang is not kk, ru or en' })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  async csv(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query('lang') lang: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const chosen = language(lang, acceptLanguage);
    const answer = await this.history.csv(principal, id, chosen);
    download(res, 'text/csv; charset=utf-8', answer.filename, chosen);
    res.send(answer.body);
  }

  @Get('history.pdf')
  @Allow('*')
  @ApiOperation({
    summary: "The timeline as PDF: the exam's facts, the timeline as a table, page numbers",
  })
  @ApiQuery(LANG_QUERY)
  @ApiHeader(ACCEPT_LANGUAGE)
  @ApiProduces('application/pdf')
  @ApiResponse({ status: 200, description: 'the timeline as PDF' })
  @ApiResponse({ status: 400, description: 'lang is not kk, ru or en' })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  async pdf(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query('lang') lang: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const chosen = language(lang, acceptLanguage);
    const answer = await this.history.pdf(principal, id, chosen);
    download(res, 'application/pdf', answer.filename, chosen);
    res.send(answer.body);
  }
}
