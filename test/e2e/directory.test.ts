import ExcelJS from 'exceljs';
import { EMBEDDED_DEFAULTS } from '../../config/config';
import { uniqueId } from '../support';
import { useStack } from './harness';

/** Issue 5: the directory — org units and people with roles, imported from CSV or XLSX as a whole or not at all. */
const ctx = useStack();
const admin = {
  email: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_EMAIL,
  password: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_PASSWORD,
};

async function upload(
  name: string,
  type: string,
  data: Buffer | string,
  as: { email: string; password: string } = admin,
) {
  const form = new FormData();
  form.append('file', new Blob([data], { type }), name);
  const token = await ctx.stack.login(as);
  const response = await fetch(`${ctx.stack.baseUrl}/directory/people/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('org units: schools under the institution, departments under a school; a broken tree is a 422 naming the unit', async () => {
  const school = uniqueId('school');
  const put = await ctx.stack.http('PUT', '/directory/units', {
    as: admin,
    body: {
      units: [
        {
          id: `${school}-surgery`,
          kind: 'department',
          parentId: school,
          name: { kk: 'Хирургия кафедрасы', ru: 'Кафедра хирургии', en: 'Department of Surgery' },
        },
        {
          id: school,
          kind: 'school',
          parentId: ctx.dir.institutionId,
          name: { kk: 'Хирургия мектебі', ru: 'Школа хирургии', en: 'School of Surgery' },
        },
      ],
    },
  });
  expect(put.status).toBe(200);
  const bad = await ctx.stack.http('PUT', '/directory/units', {
    as: admin,
    body: {
      units: [
        {
          id: `${school}-x`,
          kind: 'department',
          parentId: ctx.dir.institutionId,
          name: { kk: 'x', ru: 'x', en: 'x' },
        },
      ],
    },
  });
  expect(bad.status).toBe(422);
  expect(bad.body.errors).toEqual([
    {
      path: 'units.0.parentId',
      message: `the parent of a department must be a school, ${ctx.dir.institutionId} is a institution`,
    },
  ]);
  const units = await ctx.stack.http('GET', '/directory/units', { as: ctx.dir.head });
  expect((units.body as unknown as { id: string }[]).map((u) => u.id)).toEqual(
    expect.arrayContaining([school, `${school}-surgery`]),
  );
});

test('people import: one bad row imports nothing and names the row and column; a good file imports all, with Kazakh names intact', async () => {
  const tag = uniqueId('imp');
  const header = 'email,full_name,language,role,scope';
  const good = [
    `${tag}.a@example.edu.kz,Әлібек Ғалымжанұлы Құрманов,kk,examiner,${ctx.dir.departmentId}`,
    `${tag}.a@example.edu.kz,Әлібек Ғалымжанұлы Құрманов,kk,proctor,${ctx.dir.institutionId}`,
    `${tag}.b@example.edu.kz,Ирина Петрова,ru,deans_office,${ctx.dir.schoolId}`,
  ];
  const bad = await upload(
    'people.csv',
    'text/csv',
    [header, ...good, `${tag}.c@example.edu.kz,Someone,de,dean,${ctx.dir.departmentId}`].join('\n'),
  );
  expect(bad.status).toBe(422);
  expect(bad.body.errors).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ row: 5, column: 'language' }),
      expect.objectContaining({ row: 5, column: 'scope' }),
    ]),
  );
  const none = await ctx.db.query<unknown[]>(`SELECT 1 FROM person WHERE email LIKE $1`, [
    `${tag}%`,
  ]);
  expect(none).toHaveLength(0);

  const ok = await upload('people.csv', 'text/csv', [header, ...good].join('\n'));
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ rows: 3, people: 2, peopleCreated: 2, rolesAdded: 3 });
  // Every page of the directory (other test files add their people to the same database).
  const everyone: { email: string; fullName: string; roles: { role: string }[] }[] = [];
  let cursor: string | null = null;
  do {
    const page = await ctx.stack.http(
      'GET',
      `/directory/people?limit=500${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      { as: ctx.dir.auditor },
    );
    everyone.push(...(page.body.items as typeof everyone));
    cursor = (page.body.nextCursor as string | null) ?? null;
  } while (cursor !== null);
  const imported = everyone.filter((p) => p.email.startsWith(tag));
  expect(imported.map((p) => [p.fullName, p.roles.map((r) => r.role).sort()])).toEqual([
    ['Әлібек Ғалымжанұлы Құрманов', ['examiner', 'proctor']],
    ['Ирина Петрова', ['deans_office']],
  ]);
});

test('people import from XLSX; only admins may import', async () => {
  const tag = uniqueId('xlsx');
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet('People');
  sheet.addRow(['email', 'full_name', 'language', 'role', 'scope']);
  sheet.addRow([
    `${tag}@example.edu.kz`,
    'Нұргүл Сейітқызы',
    'kk',
    'testing_centre',
    ctx.dir.institutionId,
  ]);
  const data = Buffer.from(await book.xlsx.writeBuffer());
  const type = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  expect((await upload('people.xlsx', type, data, ctx.dir.head)).status).toBe(403);
  const ok = await upload('people.xlsx', type, data);
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ rows: 1, peopleCreated: 1 });
  expect((await upload('people.txt', 'text/plain', 'hello')).status).toBe(422);
});
