import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Res,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Allow, CurrentPrincipal, STAFF } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import { IdempotencyService } from '../common/idempotency.service';
import { actOnce, IDEMPOTENCY_REQUIRED } from '../exams/exams.controller';
import { ORDER_RECORDERS, PROCTOR_ASSIGNERS, WorkingGroupService } from './working-group.service';

/** The working group (§5.10–§5.12): the vice-rector's order, and each exam's proctors. */
@ApiTags('integrity')
@ApiBearerAuth()
@Controller()
export class WorkingGroupController {
  constructor(
    @Inject(WorkingGroupService) private readonly group: WorkingGroupService,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post('working-group/orders')
  @Allow(...ORDER_RECORDERS)
  @ApiOperation({
    summary:
      "Record the vice-rector's order appointing the working group (§5.10/§5.11): number, date, members",
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['number', 'signedOn', 'signedBy', 'scope', 'members'],
      properties: {
        number: { type: 'string' },
        signedOn: { type: 'string', format: 'date' },
        signedBy: { type: 'string', description: 'the vice-rector (person id)' },
        scope: { type: 'string', description: 'the unit the order covers' },
        members: { type: 'array', items: { type: 'string' } },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 201, description: 'recorded' })
  @ApiResponse({
    status: 400,
    description: 'a field is missing; not a vice-rector; not a working-group member',
  })
  @ApiResponse({ status: 409, description: 'the order is already recorded' })
  recordOrder(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return actOnce(
      this.idempotency,
      res,
      { principal, route: 'POST /working-group/orders', rawKey, body },
      201,
      () => this.group.recordOrder(principal, body),
    );
  }

  @Put('exams/:id/proctors')
  @Allow(...PROCTOR_ASSIGNERS)
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Assign the exam's proctors and the working-group member who answers for each (§5.12, row 3); replaces the exam's assignments",
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['orderId', 'assignments'],
      properties: {
        orderId: { type: 'string', format: 'uuid' },
        assignments: {
          type: 'array',
          items: {
            type: 'object',
            properties: { proctorId: { type: 'string' }, memberId: { type: 'string' } },
          },
        },
      },
    },
  })
  @ApiHeader(IDEMPOTENCY_REQUIRED)
  @ApiResponse({ status: 200, description: 'assigned' })
  @ApiResponse({
    status: 400,
    description: 'not a proctor; not in the order; the order does not cover the exam',
  })
  assign(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    return actOnce(
      this.idempotency,
      res,
      { principal, route: `PUT /exams/${id}/proctors`, rawKey, body },
      200,
      () => this.group.assign(principal, id, body),
    );
  }

  @Get('exams/:id/proctors')
  @Allow(...STAFF)
  @ApiOperation({ summary: "The exam's proctors and the members answering for them (§5.12)" })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  list(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<unknown> {
    return this.group.list(principal, id);
  }
}
