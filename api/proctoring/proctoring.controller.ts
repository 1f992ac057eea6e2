import {
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  type RawBodyRequest,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { Allow, CurrentPrincipal, Public } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { ApiPage, pageLimit } from '../common/page';
import { badRequest } from '../common/problem';
import { ProctoringEventDto } from './proctoring.dto';
import { ProctoringService, RECORDING_READERS } from './proctoring.service';
import { SIGNATURE_HEADER } from './signature';

const RECORDINGS_PAGE = { default: 100, max: 500 };

/**
 * The proctoring system (§5.4, §5.7, §5.9): its signed webhook, and the registry of recordings it
 * fills (README "Proctoring webhook").
 */
@ApiTags('proctoring')
@Controller()
export class ProctoringController {
  constructor(@Inject(ProctoringService) private readonly proctoring: ProctoringService) {}

  @Post('proctoring/events')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      "The proctoring system's webhook: session started, violation flagged, recording ready (signed, each event once)",
  })
  @ApiHeader({
    name: 'X-Emtihan-Signature',
    required: true,
    description:
      't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with PROCTORING_WEBHOOK_SECRET>; t within ±5 minutes',
  })
  @ApiBody({ type: ProctoringEventDto })
  @ApiResponse({ status: 200, description: 'applied: the recording as the registry now has it' })
  @ApiResponse({ status: 400, description: 'a bad body; errors name the field' })
  @ApiResponse({
    status: 401,
    description: 'missing or bad signature, or a timestamp outside ±5 minutes (reason named)',
  })
  @ApiResponse({
    status: 409,
    description:
      "the event id was already received, or the recording was deleted or is another student's",
  })
  @ApiResponse({ status: 415, description: 'not sent as application/json' })
  @ApiResponse({ status: 422, description: 'unknown exam or student (the field named)' })
  receive(
    @Req() request: RawBodyRequest<Request>,
    @Headers(SIGNATURE_HEADER) signature: string | undefined,
  ) {
    return this.proctoring.receive(request.rawBody, request.body as unknown, signature, Date.now());
  }

  @Get('exams/:id/recordings')
  @Allow(...RECORDING_READERS)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "The exam's recordings with their links (§5.7): proctors until E + 72 hours; the working group, testing centre and auditors always",
  })
  @ApiPage(RECORDINGS_PAGE)
  @ApiResponse({ status: 403, description: "§5.7: the proctors' 72 hours are over" })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  recordings(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    const n = pageLimit(limit, RECORDINGS_PAGE);
    let after: string | undefined;
    if (cursor !== undefined) {
      after = Buffer.from(cursor, 'base64url').toString('utf8');
      if (after === '' || after.length > 64 || Buffer.from(after).toString('base64url') !== cursor)
        throw badRequest('cursor', 'is not a cursor from a previous page');
    }
    return this.proctoring.recordings(
      principal,
      id,
      { limit: n, ...(after !== undefined ? { cursor: after } : {}) },
      Date.now(),
    );
  }
}
