import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import pdfParse from 'pdf-parse/lib/pdf-parse.js';
import { toAuditRecord, AUDIT_COLUMNS } from '../../activities/audit-log';
import {
  issueDocument,
  readDocument,
  type DocumentContent,
  type IssueDocumentInput,
} from '../../api/integrity/documents';
import {
  SAMPLE_FORM2,
  SAMPLE_FORM3,
  SAMPLE_FORM4,
  SAMPLE_IMPOSTOR,
} from '../../api/integrity/pdf/samples';
import { createDataSource } from '../../migrations/data-source';
import { testInfra, uniqueId } from '../support';

/**
 * The numbered integrity documents against the real PostgreSQL with the real migrations (issue 9):
 * "№ N" without gaps per institution and year, taken in the caller's transaction. Each test
 * numbers for an institution of its own, so files running at the same time never share a counter.
 */

const ZONE = 'Asia/Almaty';
/** 14 January 2027, 10:30 in Almaty. */
const JAN_2027 = Date.parse('2027-01-14T10:30:00+05:00');

let db: DataSource;

beforeAll(async () => {
  // More connections than concurrent issues, so the concurrency test really runs them at once.
  db = createDataSource({ url: testInfra().databaseUrl, poolSize: 14 });
  await db.initialize();
});

afterAll(async () => {
  await db?.destroy();
});

function input(institution: string, doc: DocumentContent = FORM2, at = JAN_2027) {
  return {
    ...doc,
    key: uniqueId('doc'),
    institution,
    language: 'kk',
    at,
    timeZone: ZONE,
    caseId: 'V-1',
    createdBy: 'system:workflow',
  } as IssueDocumentInput;
}

const FORM2: DocumentContent = { kind: 'form2', content: SAMPLE_FORM2 };

/** Issues in a transaction of its own. */
const issue = (doc: IssueDocumentInput) => db.transaction((tx) => issueDocument(tx, doc));

async function numbersOf(institution: string) {
  const rows = await db.query<{ year: number; number: number }[]>(
    `SELECT year, number FROM integrity_document WHERE institution = $1 ORDER BY year, number`,
    [institution],
  );
  return rows.map((r) => `${r.year}/${r.number}`);
}

describe('numbered integrity documents (issue 9)', () => {
  it('Form 2, §5.8: an institution’s documents of a year are numbered 1, 2, 3 in order', async () => {
    const inst = uniqueId('inst');
    const issued = [];
    for (let i = 0; i < 3; i++) issued.push(await issue(input(inst)));
    expect(issued.map((d) => d.number)).toEqual([1, 2, 3]);
    expect(issued.map((d) => d.year)).toEqual([2027, 2027, 2027]);
    // Another institution's numbering is its own.
    expect((await issue(input(uniqueId('inst')))).number).toBe(1);
    // The number is printed on the act: "АКТ № 2" (pdf.js reads "№" as "No").
    const text = (await pdfParse(issued[1].pdf)).text;
    expect(text).toContain('АКТ No\u00a02');
  });

  it('Form 2, §5.8: a transaction that issues and then rolls back gives its number back (no gap)', async () => {
    const inst = uniqueId('inst');
    expect((await issue(input(inst))).number).toBe(1);
    let taken = 0;
    await expect(
      db.transaction(async (tx) => {
        taken = (await issueDocument(tx, input(inst))).number;
        throw new Error('the violation case could not be saved');
      }),
    ).rejects.toThrow('the violation case could not be saved');
    expect(taken).toBe(2);
    // Nothing of the rolled-back document stayed: the next one is № 2 again.
    const next = await issue(input(inst));
    expect(next.number).toBe(2);
    expect(await numbersOf(inst)).toEqual(['2027/1', '2027/2']);
    expect(
      await db.query(`SELECT 1 FROM integrity_document WHERE number = 2 AND institution = $1`, [
        inst,
      ]),
    ).toHaveLength(1);
  });

  it('Form 2, §5.8: 10 documents issued at the same time get 10 distinct consecutive numbers', async () => {
    const inst = uniqueId('inst');
    const issued = await Promise.all(Array.from({ length: 10 }, () => issue(input(inst))));
    expect(issued.map((d) => d.number).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(new Set(issued.map((d) => d.id)).size).toBe(10);
    const [{ last }] = await db.query<{ last: number }[]>(
      `SELECT last FROM document_counter WHERE institution = $1 AND year = 2027`,
      [inst],
    );
    expect(last).toBe(10);
  });

  it('Form 2, §5.8: a new year (in Asia/Almaty) starts again at 1', async () => {
    const inst = uniqueId('inst');
    const dec = Date.parse('2026-12-31T12:00:00+05:00');
    // 20:00 UTC on 31 December is already 1 January in Almaty: the year is the local one.
    const newYearLocal = Date.parse('2026-12-31T20:00:00Z');
    expect((await issue(input(inst, FORM2, dec))).number).toBe(1);
    expect((await issue(input(inst, FORM2, dec))).number).toBe(2);
    const first2027 = await issue(input(inst, FORM2, newYearLocal));
    expect(first2027).toMatchObject({ year: 2027, number: 1 });
    expect((await issue(input(inst, FORM2, dec))).number).toBe(3);
    expect(await numbersOf(inst)).toEqual(['2026/1', '2026/2', '2026/3', '2027/1']);
  });

  it.each([
    ['Form 2, §5.8', { kind: 'form2', content: SAMPLE_FORM2 }, ['§5.8', 'Form 2']],
    ['Form 3, §5.16', { kind: 'form3', content: SAMPLE_FORM3 }, ['§5.16', 'Form 3']],
    ['Impostor act, §5.8', { kind: 'impostor', content: SAMPLE_IMPOSTOR }, ['§5.8']],
    [
      'Form 4, §5.13–§5.15',
      { kind: 'form4', content: SAMPLE_FORM4 },
      ['§5.13', '§5.14', '§5.15', 'Form 4'],
    ],
  ] as [string, DocumentContent, string[]][])(
    '%s: the row keeps the PDF with its SHA-256 and the content; the audit record names the clauses',
    async (_title, doc, clauses) => {
      const inst = uniqueId('inst');
      const request = { ...input(inst, doc), language: 'ru' as const };
      const issued = await issue(request);
      expect(issued.sha256).toBe(createHash('sha256').update(issued.pdf).digest('hex'));

      const stored = await readDocument(db, issued.id);
      expect(stored).toMatchObject({
        id: issued.id,
        kind: doc.kind,
        institution: inst,
        year: 2027,
        number: 1,
        language: 'ru',
        examId: null,
        caseId: 'V-1',
        content: doc.content,
        sha256: issued.sha256,
        createdBy: 'system:workflow',
      });
      expect(Buffer.compare(stored!.pdf, issued.pdf)).toBe(0);
      expect(createHash('sha256').update(stored!.pdf).digest('hex')).toBe(stored!.sha256);

      const rows = await db.query<Record<string, unknown>[]>(
        `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE key = $1`,
        [`document.issued/${request.key}`],
      );
      expect(rows).toHaveLength(1);
      const record = toAuditRecord(rows[0]);
      expect(record).toMatchObject({
        action: 'document.issued',
        actor: 'system:workflow',
        clauses,
        at: new Date(JAN_2027).toISOString(),
        after: {
          documentId: issued.id,
          kind: doc.kind,
          number: 1,
          year: 2027,
          sha256: issued.sha256,
        },
      });
    },
  );

  it('Form 2, §5.8: issuing again with the same key (a retried activity) returns the first document and takes no number', async () => {
    const inst = uniqueId('inst');
    const request = input(inst);
    // Two at once: the second waits for the first to commit, then finds it.
    const both = await Promise.all([issue(request), issue(request)]);
    const first = both.find((d) => !d.repeated)!;
    expect(both.filter((d) => d.repeated)).toHaveLength(1);
    const again = await issue(request);
    for (const repeat of [...both, again])
      expect(repeat).toMatchObject({ id: first.id, number: 1, sha256: first.sha256 });
    expect(again.repeated).toBe(true);
    expect((await issue(input(inst))).number).toBe(2);
    expect(await numbersOf(inst)).toEqual(['2027/1', '2027/2']);
  });

  it('readDocument: an unknown id, or one that is no uuid, is no document', async () => {
    expect(await readDocument(db, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await readDocument(db, 'not-a-uuid')).toBeUndefined();
  });
});
