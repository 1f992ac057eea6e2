import { DateTime } from 'luxon';
import { appendAuditNow, chainHead } from '../../activities/audit-log';
import { AUDIT_DIGEST_WORKFLOW_TYPE } from '../../workflows/audit-digest.contract';
import { seedDirectory } from '../directory-fixture';
import { caughtMail, uniqueId, waitFor } from '../support';
import { skipTo, useTimeSkipping } from './time-skipping';

const ctx = useTimeSkipping();
const ZONE = 'Asia/Almaty';

test('the audit digest emails the auditors the chain head every day at 07:00 (issue 7)', async () => {
  const dir = await seedDirectory(ctx.db, uniqueId('digest'));
  // At least one record in the log (other files of the run add more meanwhile).
  await appendAuditNow(ctx.db, {
    key: uniqueId('digest-test'),
    at: Date.now(),
    actor: dir.auditor.id,
    action: 'test.record',
  });
  const workflowId = uniqueId('audit-digest');
  await ctx.env.client.workflow.start(AUDIT_DIGEST_WORKFLOW_TYPE, {
    taskQueue: ctx.worker.options.taskQueue,
    workflowId,
    args: [{ timeZone: ZONE, hour: 7 }],
  });
  const now = DateTime.fromMillis(await ctx.env.currentTimeMs(), { zone: ZONE });
  let seven = now.set({ hour: 7, minute: 0, second: 0, millisecond: 0 });
  if (seven <= now) seven = seven.plus({ days: 1 });

  for (const day of [seven, seven.plus({ days: 1 })]) {
    const date = day.toISODate() ?? '';
    const key = `audit.digest/${date}/${dir.auditor.id}`;
    // Nothing before 07:00 local …
    await skipTo(ctx.env, day.toMillis() - 60_000);
    expect(await ctx.db.query(`SELECT 1 FROM outbox WHERE key = $1`, [key])).toHaveLength(0);
    // … then the digest, sent to this auditor with the head as it was.
    await skipTo(ctx.env, day.toMillis() + 60_000);
    const [mail] = await waitFor(
      'the digest email',
      async () => {
        const found = await caughtMail(key);
        return found.length > 0 ? found : undefined;
      },
      30_000,
    );
    const seq = Number(mail.header('x-emtihan-audit-head-seq'));
    const hash = mail.header('x-emtihan-audit-head-hash') ?? '';
    expect(mail.mail.subject).toBe(`Emtihan: daily audit log digest, ${date}`);
    expect(mail.mail.text).toContain(`record ${seq}, hash ${hash}`);
    expect(mail.mail.text).toContain(`/audit/verify?seq=${seq}&hash=${hash}`);
    // The hash named is that record's hash in the log, and the digest itself is audited.
    const [row] = await ctx.db.query<{ hash: string }[]>(
      `SELECT hash FROM audit_log WHERE seq = $1`,
      [seq],
    );
    expect(seq).toBeGreaterThan(0);
    expect(row.hash).toBe(hash);
    const records = await waitFor(
      'the digest record',
      async () => {
        const found = await ctx.db.query<{ after: { day: string; head: { seq: number } } }[]>(
          `SELECT after FROM audit_log WHERE workflow_id = $1 AND action = 'audit.digest-sent'
          AND after->>'day' = $2`,
          [workflowId, date],
        );
        return found.length > 0 ? found : undefined;
      },
      30_000,
    );
    expect(records).toHaveLength(1);
    expect(records[0].after.head.seq).toBe(seq);
    expect((await chainHead(ctx.db)).seq).toBeGreaterThan(seq);
  }
});
