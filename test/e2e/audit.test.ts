import { EMBEDDED_DEFAULTS } from '../../config/config';
import { createDataSource } from '../../migrations/data-source';
import type { DataSource } from 'typeorm';
import { useStack } from './harness';

/**
 * The tamper-evident audit log (issue 7) on the running system. This file owns its database: it
 * tampers with records as a superuser would, which must not break other files' chains.
 */
const ctx = useStack({ onlySteps: ['departmentDiscussion'], ownDatabase: true });

let owner: DataSource;
beforeAll(async () => {
  owner = createDataSource({ url: ctx.database.ownerUrl, poolSize: 1 });
  await owner.initialize();
});
afterAll(() => owner?.destroy());

interface Report {
  intact: boolean;
  count: number;
  head: { seq: number; hash: string };
  broken?: { seq: number; reason: string; detail: string };
}

async function verify(query = ''): Promise<Report> {
  const answer = await ctx.stack.http('GET', `/audit/verify${query}`, { as: ctx.dir.auditor });
  expect(answer.status).toBe(200);
  return answer.body as unknown as Report;
}

/** As the database superuser with triggers off (session_replication_role = replica). */
async function asSuperuser(statements: [string, unknown[]?][]): Promise<void> {
  await owner.transaction(async (tx) => {
    await tx.query(`SET LOCAL session_replication_role = replica`);
    for (const [sql, params] of statements) await tx.query(sql, params ?? []);
  });
}

/** 50 audited reads of personal data at once, through the API. */
async function fiftyAuditedReads(): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: 50 }, () =>
      ctx.stack.http('GET', '/directory/people?limit=5', { as: ctx.dir.auditor }),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
}

test('50 parallel audited actions make a chain with no gap and no fork', async () => {
  const before = (await verify()).head.seq;
  await fiftyAuditedReads();
  const rows = await ctx.db.query<{ seq: string; prev_hash: string; hash: string }[]>(
    `SELECT seq, prev_hash, hash FROM audit_log WHERE seq > $1 ORDER BY seq`,
    [before],
  );
  const reads = await ctx.db.query<{ n: string }[]>(
    `SELECT count(*) AS n FROM audit_log WHERE seq > $1 AND action = 'personal-data.read'
        AND actor = $2 AND after->>'resource' = 'GET /directory/people'`,
    [before, ctx.dir.auditor.id],
  );
  expect(Number(reads[0].n)).toBe(50);
  // No gap: consecutive numbers; no fork: each record follows exactly the one before it.
  rows.forEach((row, i) => {
    expect(Number(row.seq)).toBe(before + 1 + i);
    if (i > 0) expect(row.prev_hash).toBe(rows[i - 1].hash);
  });
  expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(rows.length);
  const report = await verify();
  expect(report).toMatchObject({ intact: true, count: before + rows.length });
});

test('the application role may insert and read the audit log, never UPDATE or DELETE it', async () => {
  await fiftyAuditedReads();
  // ctx.db connects as DATABASE_URL's user, a member of emtihan_app (what the API and worker use).
  await expect(ctx.db.query(`UPDATE audit_log SET actor = 'someone else'`)).rejects.toThrow(
    /permission denied/,
  );
  await expect(ctx.db.query(`DELETE FROM audit_log`)).rejects.toThrow(/permission denied/);
  await expect(ctx.db.query(`TRUNCATE audit_log`)).rejects.toThrow(/permission denied/);
  // An insert that does not continue the chain is refused by the trigger.
  await expect(
    ctx.db.query(
      `INSERT INTO audit_log (seq, key, at, recorded_at, actor, action, prev_hash, hash)
       VALUES (1, 'forged', now(), now(), 'x', 'forged', repeat('0', 64), repeat('1', 64))`,
    ),
  ).rejects.toThrow(/does not continue the chain/);
  // The table's owner is refused as well while the triggers are on.
  await expect(owner.query(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`)).rejects.toThrow(
    /append-only/,
  );
  await expect(owner.query(`DELETE FROM audit_log WHERE seq = 1`)).rejects.toThrow(/append-only/);
  expect((await verify()).intact).toBe(true);
});

test('a changed field, a deleted record and two swapped records are each named by GET /audit/verify', async () => {
  await fiftyAuditedReads();
  const { head } = await verify();
  const k = head.seq - 10;

  // One field of record k changed.
  const [original] = await owner.query<{ actor: string }[]>(
    `SELECT actor FROM audit_log WHERE seq = $1`,
    [k],
  );
  await asSuperuser([[`UPDATE audit_log SET actor = 'intruder' WHERE seq = $1`, [k]]]);
  expect((await verify()).broken).toMatchObject({ seq: k, reason: 'hash-mismatch' });
  await asSuperuser([[`UPDATE audit_log SET actor = $2 WHERE seq = $1`, [k, original.actor]]]);
  expect((await verify()).intact).toBe(true);

  // Record k deleted.
  const [row] = await owner.query<Record<string, unknown>[]>(
    `SELECT * FROM audit_log WHERE seq = $1`,
    [k],
  );
  await asSuperuser([[`DELETE FROM audit_log WHERE seq = $1`, [k]]]);
  const deleted = await verify();
  expect(deleted.broken).toMatchObject({ seq: k, reason: 'missing' });
  expect(deleted.broken?.detail).toContain(`record ${k} is missing`);
  await asSuperuser([
    [
      `INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, $1::json)`,
      [JSON.stringify(row)],
    ],
  ]);
  expect((await verify()).intact).toBe(true);

  // Records k and k + 1 swapped (their numbers exchanged).
  const swap: [string, unknown[]][] = [
    [`UPDATE audit_log SET seq = 999999999 WHERE seq = $1`, [k]],
    [`UPDATE audit_log SET seq = $1 WHERE seq = $2`, [k, k + 1]],
    [`UPDATE audit_log SET seq = $1 WHERE seq = 999999999`, [k + 1]],
  ];
  await asSuperuser(swap);
  expect((await verify()).broken).toMatchObject({ seq: k, reason: 'hash-mismatch' });
  await asSuperuser(swap);
  expect((await verify()).intact).toBe(true);
});

test("a rewrite of the whole chain passes the walk but not the daily digest's head", async () => {
  await fiftyAuditedReads();
  const digest = (await verify()).head; // what the auditors were emailed
  const k = digest.seq - 20;
  // The intruder changes record k and recomputes every hash from k on, as our code would.
  const { recordHash, toAuditRecord, AUDIT_COLUMNS } = await import('../../activities/audit-log');
  const rows = await owner.query<Record<string, unknown>[]>(
    `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq`,
    [k - 1],
  );
  const statements: [string, unknown[]][] = [];
  let prev = rows[0].hash as string;
  for (const row of rows.slice(1)) {
    const record = toAuditRecord(row);
    if (record.seq === k) record.actor = 'intruder';
    const { hash: _old, ...content } = { ...record, prevHash: prev };
    void _old;
    prev = recordHash(content);
    statements.push([
      `UPDATE audit_log SET actor = $2, prev_hash = $3, hash = $4 WHERE seq = $1`,
      [record.seq, record.actor, content.prevHash, prev],
    ]);
  }
  // prev_hash is unique: move the old values out of the way first.
  await asSuperuser([
    [`UPDATE audit_log SET prev_hash = 'x' || seq WHERE seq >= $1`, [k]],
    ...statements,
  ]);
  expect((await verify()).intact).toBe(true);
  const anchored = await verify(`?seq=${digest.seq}&hash=${digest.hash}`);
  expect(anchored.broken).toMatchObject({ seq: digest.seq, reason: 'anchor-mismatch' });
});

test('GET /audit/verify checks its query and is for auditors and admins only', async () => {
  const bad = await ctx.stack.http('GET', '/audit/verify?seq=3', { as: ctx.dir.auditor });
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([
    { path: 'hash', message: 'seq and hash go together (a digest)' },
  ]);
  const badHash = await ctx.stack.http('GET', `/audit/verify?seq=3&hash=${'g'.repeat(64)}`, {
    as: ctx.dir.auditor,
  });
  expect(badHash.body.errors).toEqual([
    { path: 'hash', message: 'must be 64 lowercase hexadecimal digits (a SHA-256)' },
  ]);
  expect((await ctx.stack.http('GET', '/audit/verify', { as: ctx.dir.head })).status).toBe(403);
  const admin = {
    email: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_EMAIL,
    password: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_PASSWORD,
  };
  expect((await ctx.stack.http('GET', '/audit/verify', { as: admin })).status).toBe(200);
});
