import { Body, Controller, Get, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiConsumes, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/access.decorators';
import { pickLanguage } from '../common/language';
import { renderLinkPage } from './links.pages';
import { LinksService, type LinkAnswer } from './links.service';

function bearer(authorization: string | undefined): string | undefined {
  return authorization !== undefined && /^Bearer\s+/i.test(authorization)
    ? authorization.replace(/^Bearer\s+/i, '').trim()
    : undefined;
}

@ApiTags('email links')
@Controller('links')
export class LinksController {
  constructor(@Inject(LinksService) private readonly links: LinksService) {}

  private send(res: Response, answer: LinkAnswer): string {
    res.status(answer.status);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex');
    res.setHeader('Content-Language', answer.page.language);
    return renderLinkPage(answer.page);
  }

  @Get(':token')
  @Public()
  @ApiOperation({ summary: 'Confirmation page of a one-click email link (changes nothing)' })
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'the confirmation page, with one button' })
  @ApiResponse({ status: 403, description: 'the link belongs to another signed-in person' })
  @ApiResponse({ status: 404, description: 'unknown link' })
  @ApiResponse({ status: 410, description: 'the link was used or has expired' })
  async show(
    @Param('token') token: string,
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return this.send(
      res,
      await this.links.show(token, bearer(authorization), pickLanguage(acceptLanguage), Date.now()),
    );
  }

  @Post(':token')
  @Public()
  @ApiOperation({
    summary: 'Use a one-click email link: consumes it once and records the decision',
  })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'the decision is recorded' })
  @ApiResponse({ status: 400, description: 'a rejection needs a comment' })
  @ApiResponse({
    status: 403,
    description: 'the link belongs to someone else, or its person no longer owns the step',
  })
  @ApiResponse({ status: 404, description: 'unknown link' })
  @ApiResponse({ status: 409, description: 'the step is already decided' })
  @ApiResponse({ status: 410, description: 'the link was used or has expired' })
  async act(
    @Param('token') token: string,
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const comment =
      typeof body === 'object' &&
      body !== null &&
      typeof (body as { comment?: unknown }).comment === 'string'
        ? (body as { comment: string }).comment.slice(0, 2000)
        : undefined;
    return this.send(
      res,
      await this.links.act(
        token,
        comment,
        bearer(authorization),
        pickLanguage(acceptLanguage),
        Date.now(),
      ),
    );
  }
}
