import { uniqueId } from '../support';
import { useApiOver } from './api-over';
import { onlySteps } from './policies';
import { startExam, useTimeSkipping } from './time-skipping';

/**
 * The working group through the API (issue 9; §5.10–§5.12, row 3): the vice-rector's order with
 * its members, and the exam's proctors each answered for by a member of that order.
 */
const ctx = useTimeSkipping();
const api = useApiOver(ctx, Buffer.alloc(32, 7).toString('base64'));

test('§5.10, §5.11, §5.12, row 3: the order names a vice-rector and working-group members; proctors are assigned to members of it', async () => {
  const examId = uniqueId('group');
  const { dir } = await startExam(ctx, examId, {
    policy: onlySteps(['grading']),
    days: ['2027-06-15'],
  });
  const who = (role: keyof typeof dir.byRole) => dir.byRole[role]!;
  const [centre, rector, member, proctor] = [
    who('testing_centre'),
    who('vice_rector'),
    who('working_group_member'),
    who('proctor'),
  ];
  const order = (body: object) =>
    api.http('POST', '/working-group/orders', {
      as: centre,
      body: { number: `ВР-${examId}`, signedOn: '2027-05-20', scope: dir.schoolId, ...body },
    });
  const paths = (r: { body: Record<string, unknown> }) =>
    (r.body.errors as { path: string }[]).map((e) => e.path);

  const notRector = await order({ signedBy: proctor.id, members: [member.id] });
  expect([notRector.status, paths(notRector)]).toEqual([400, ['signedBy']]);
  const notMember = await order({ signedBy: rector.id, members: [proctor.id] });
  expect([notMember.status, paths(notMember)]).toEqual([400, ['members[0]']]);
  const missing = await order({ signedBy: rector.id });
  expect([missing.status, paths(missing)]).toEqual([400, ['members']]);
  expect((await api.http('POST', '/working-group/orders', { as: dir.head, body: {} })).status).toBe(
    403,
  );
  const recorded = await order({ signedBy: rector.id, members: [member.id] });
  expect(recorded.status === 201 ? 201 : recorded.text).toBe(201);
  expect((await order({ signedBy: rector.id, members: [member.id] })).status).toBe(409);
  const orderId = recorded.body.id as string;

  const assign = (assignments: object[]) =>
    api.http('PUT', `/exams/${examId}/proctors`, { as: centre, body: { orderId, assignments } });
  const wrongProctor = await assign([{ proctorId: member.id, memberId: member.id }]);
  expect([wrongProctor.status, paths(wrongProctor)]).toEqual([400, ['assignments[0].proctorId']]);
  const outsideOrder = await assign([{ proctorId: proctor.id, memberId: centre.id }]);
  expect([outsideOrder.status, paths(outsideOrder)]).toEqual([400, ['assignments[0].memberId']]);
  expect(
    await ctx.db.query(`SELECT 1 FROM proctor_assignment WHERE exam_id = $1`, [examId]),
  ).toEqual([]);
  const assigned = await assign([{ proctorId: proctor.id, memberId: member.id }]);
  expect(assigned.status === 200 ? 200 : assigned.text).toBe(200);
  const list = await api.http('GET', `/exams/${examId}/proctors`, { as: dir.head });
  expect(list.body.items).toEqual([
    {
      proctorId: proctor.id,
      proctor: proctor.fullName,
      memberId: member.id,
      member: member.fullName,
      order: `ВР-${examId}`,
    },
  ]);
  const audit = await ctx.db.query<{ action: string; clauses: string[] }[]>(
    `SELECT action, clauses FROM audit_log WHERE action LIKE 'workingGroup.%' AND (exam_id = $1 OR after->>'number' = $2) ORDER BY seq`,
    [examId, `ВР-${examId}`],
  );
  expect(audit).toEqual([
    { action: 'workingGroup.order-recorded', clauses: ['§5.10', '§5.11'] },
    { action: 'workingGroup.proctors-assigned', clauses: ['§5.12', 'row 3'] },
  ]);
});
