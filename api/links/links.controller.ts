import {
  Body,
  Controller,
  Get,
  Headers,
  Inject,
  Param,
  Post,
  Res,
  UploadedFiles,
  UseInterceptors,
} from '@nestjs/common';
import { FileFieldsInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/access.decorators';
import { pickLanguage } from '../common/language';
import { FORM4_FILE_FIELDS, FORM4_FILE_LIMITS } from '../integrity/form4.controller';
import type { UploadedDocument } from '../paperwork/upload-table';
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
  @ApiOperation({
    summary:
      'Confirmation page of a one-click email link, or the Form 4 upload page of a Form 4 email’s link (§5.14); changes nothing',
  })
  @ApiProduces('text/html')
  @ApiResponse({
    status: 200,
    description: 'the confirmation page, with one button; or the Form 4 upload form',
  })
  @ApiResponse({ status: 409, description: 'the Form 4 is already signed (§5.15)' })
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

  @Post(':token/form4')
  @Public()
  @UseInterceptors(FileFieldsInterceptor(FORM4_FILE_FIELDS, { limits: FORM4_FILE_LIMITS }))
  @ApiOperation({
    summary:
      'The Form 4 email link’s upload (§5.14): consumes the link and returns the filled Form 4 with its acts as the link’s proctor; a refused upload keeps the link',
  })
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
  @ApiProduces('text/html')
  @ApiResponse({ status: 200, description: 'saved: students, acts drawn, SHA-256' })
  @ApiResponse({
    status: 400,
    description:
      'nothing saved; the page lists each problem’s row and column, the link still works',
  })
  @ApiResponse({ status: 403, description: 'the link belongs to another signed-in person' })
  @ApiResponse({ status: 404, description: 'unknown link, or not a Form 4 link' })
  @ApiResponse({ status: 409, description: 'the Form 4 is already signed (§5.15)' })
  @ApiResponse({ status: 410, description: 'the link was used or has expired' })
  async upload(
    @Param('token') token: string,
    @UploadedFiles() files: { file?: UploadedDocument[]; acts?: UploadedDocument[] } = {},
    @Headers('authorization') authorization: string | undefined,
    @Headers('accept-language') acceptLanguage: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    return this.send(
      res,
      await this.links.upload(
        token,
        files.file?.[0],
        files.acts ?? [],
        bearer(authorization),
        pickLanguage(acceptLanguage),
        Date.now(),
      ),
    );
  }
}
