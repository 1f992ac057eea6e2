import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Allow, CurrentPrincipal } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { badRequest } from '../common/problem';
import { AuditService } from './audit.service';

const HASH = /^[0-9a-f]{64}$/;

/** The auditors' view of the audit log itself (issue 7): verification and the records. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get('verify')
  @Allow('auditor', 'admin')
  @ApiOperation({
    summary:
      'Walks the hash chain and names the first broken record; with seq and hash (from a daily digest) also checks that the log still has that record',
  })
  @ApiQuery({ name: 'seq', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiQuery({ name: 'hash', required: false, schema: { type: 'string', pattern: HASH.source } })
  @ApiResponse({ status: 200, description: '{ intact, count, head, broken? }' })
  verify(@Query('seq') seq?: string, @Query('hash') hash?: string) {
    if ((seq === undefined) !== (hash === undefined))
      throw badRequest(seq === undefined ? 'seq' : 'hash', 'seq and hash go together (a digest)');
    if (seq !== undefined && !/^[1-9]\d{0,15}$/.test(seq))
      throw badRequest('seq', 'must be a record number (a whole number from 1)');
    if (hash !== undefined && !HASH.test(hash))
      throw badRequest('hash', 'must be 64 lowercase hexadecimal digits (a SHA-256)');
    return this.audit.verify(
      seq === undefined || hash === undefined ? undefined : { seq: Number(seq), hash },
    );
  }

  @Get('records')
  @Allow('auditor', 'admin')
  @ApiOperation({
    summary:
      'Audit records in chain order, filtered by exam, session, actor or action, paginated (a read of personal data: itself audited)',
  })
  @ApiQuery({ name: 'examId', required: false })
  @ApiQuery({ name: 'sessionId', required: false })
  @ApiQuery({ name: 'actor', required: false })
  @ApiQuery({ name: 'action', required: false })
  @ApiQuery({
    name: 'limit',
    required: false,
    schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
  })
  @ApiQuery({ name: 'cursor', required: false })
  records(
    @CurrentPrincipal() principal: Principal,
    @Query('examId') examId?: string,
    @Query('sessionId') sessionId?: string,
    @Query('actor') actor?: string,
    @Query('action') action?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    const filters = { examId, sessionId, actor, action };
    for (const [name, value] of Object.entries(filters))
      if (value !== undefined && !/^[\p{L}\p{N}._:@#/-]{1,200}$/u.test(value))
        throw badRequest(name, 'must be 1–200 letters, digits or . _ : @ # / -');
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 500)
      throw badRequest('limit', 'must be a whole number from 1 to 500');
    if (cursor !== undefined && !/^[1-9]\d{0,15}$/.test(cursor))
      throw badRequest('cursor', 'is not a cursor from a previous page');
    return this.audit.records(principal, filters, n, cursor === undefined ? 0 : Number(cursor));
  }
}
