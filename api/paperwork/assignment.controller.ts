import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Allow, CurrentPrincipal } from '../auth/access.decorators';
import type { Principal } from '../auth/principal';
import {
  ASSIGNMENT_CSV_COLUMNS,
  ASSIGNMENT_EXPORTERS,
  AssignmentService,
} from './assignment.service';

/**
 * The ticket assignment (§5.3, §5.5): verified by anyone who reads the exam once the seed is
 * revealed, exported for Moodle by the testing centre and the department, and a student's own
 * ticket for the student alone.
 */
@ApiTags('assignment')
@ApiBearerAuth()
@Controller('exams/:id')
export class AssignmentController {
  constructor(@Inject(AssignmentService) private readonly assignment: AssignmentService) {}

  @Get('assignment/verify')
  @Allow('*')
  @ApiOperation({
    summary:
      'Recompute the ticket assignment from the revealed seeds and compare it with the stored one (§5.5)',
    description:
      'For whoever may read the exam (auditors any exam). Each day: its commitment, the revealed seed, ' +
      'whether the seed hashes to the commitment, whether the set matches its hash, the number of ' +
      'students given a variant, those refused (§5.3) and every student whose stored variant differs. ' +
      'The tickets themselves are never in the answer.',
  })
  @ApiResponse({ status: 200, description: '{ examId, verified, days: [...] }' })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  @ApiResponse({ status: 409, description: '§5.5: the seed is revealed after the exam' })
  verify(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.assignment.verify(principal, id);
  }

  @Get('assignment.csv')
  @Allow(...ASSIGNMENT_EXPORTERS)
  @ApiOperation({
    summary: 'The ticket assignment for Moodle (§5.5), as CSV',
    description:
      `Columns: ${ASSIGNMENT_CSV_COLUMNS.join(', ')} (the student's email, full name, exam day ` +
      '1…n and variant number 1…n as Form 1 numbers them); a header row, CRLF, UTF-8 with a BOM. ' +
      "For the testing centre, the department's head and responsible person in the exam's scope " +
      '(auditors, admins). A personal-data read: audited.',
  })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'the assignment as CSV' })
  @ApiResponse({ status: 403, description: 'not the testing centre or the department' })
  @ApiResponse({ status: 404, description: 'no such exam, or not yours to see' })
  async csv(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Res() res: Response,
  ): Promise<void> {
    const answer = await this.assignment.csv(principal, id);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${answer.filename}"`);
    res.send(answer.body);
  }

  @Get('my-ticket')
  @Allow('*')
  @ApiOperation({
    summary:
      "The caller's own ticket (§5.5): variant number and its items, once their exam day started",
    description:
      "Only the signed-in student's own ticket; anyone without a ticket in the exam gets 404. Each view is audited (ticketSet.viewed).",
  })
  @ApiResponse({
    status: 200,
    description:
      '{ examId, discipline, day, date, startsAt, variant, items: [{ number, kind, text }] }',
  })
  @ApiResponse({ status: 404, description: 'you have no ticket in this exam' })
  @ApiResponse({ status: 409, description: '§5.5: your exam day has not started' })
  myTicket(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.assignment.myTicket(principal, id, Date.now());
  }
}
