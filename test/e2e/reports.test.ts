import { Workbook } from 'exceljs';
import { useStack } from './harness';

/**
 * Issue 7's compliance reports over HTTP: the scope parameters (exactly one, a 400 naming the
 * field), unknown and hidden ids (404), and the three forms (JSON, XLSX, SVG in the asked
 * language). The numbers themselves are checked on the workflow tier
 * (test/workflow/compliance-report.test.ts).
 */
const ctx = useStack();

test('issue 7: GET /reports/compliance[.xlsx|.svg] answer by scope, with problem details for bad or hidden scopes', async () => {
  const { stack, dir } = ctx;
  const auditor = dir.auditor;

  const none = await stack.http('GET', '/reports/compliance', { as: auditor });
  expect(none.status).toBe(400);
  expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(none.body.errors).toEqual([{ path: 'sessionId', message: expect.any(String) as string }]);

  const two = await stack.http(
    'GET',
    `/reports/compliance?schoolId=${dir.schoolId}&departmentId=${dir.departmentId}`,
    { as: auditor },
  );
  expect(two.status).toBe(400);
  expect((two.body.errors as { path: string }[]).map((e) => e.path)).toEqual([
    'schoolId',
    'departmentId',
  ]);

  expect(
    (await stack.http('GET', '/reports/compliance?sessionId=no-such-session', { as: auditor }))
      .status,
  ).toBe(404);
  // A school's id given as a department is unknown as a department.
  expect(
    (await stack.http('GET', `/reports/compliance?departmentId=${dir.schoolId}`, { as: auditor }))
      .status,
  ).toBe(404);
  // Another department's head does not learn the department's report exists; a student may not ask.
  expect(
    (
      await stack.http('GET', `/reports/compliance?departmentId=${dir.departmentId}`, {
        as: dir.otherHead,
      })
    ).status,
  ).toBe(404);
  expect(
    (
      await stack.http('GET', `/reports/compliance?departmentId=${dir.departmentId}`, {
        as: dir.student,
      })
    ).status,
  ).toBe(403);

  const json = await stack.http('GET', `/reports/compliance?schoolId=${dir.schoolId}`, {
    as: dir.dean,
  });
  expect(json.status).toBe(200);
  expect(json.body).toMatchObject({
    scope: { kind: 'school', id: dir.schoolId, name: { en: 'School of General Medicine' } },
    policyVersion: expect.any(String) as string,
    totals: { total: 0, onTimeRate: null },
    byStep: [],
    byDepartment: [],
    waivers: [],
  });

  const svg = await stack.http('GET', `/reports/compliance.svg?schoolId=${dir.schoolId}`, {
    as: dir.dean,
    headers: { 'Accept-Language': 'ru' },
  });
  expect(svg.status).toBe(200);
  expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  expect(svg.headers.get('content-language')).toBe('ru');
  expect(String(svg.body.text)).toContain('Своевременность выполнения шагов СОП');

  const token = await stack.login(dir.head);
  const xlsx = await fetch(
    `${stack.baseUrl}/reports/compliance.xlsx?departmentId=${dir.departmentId}`,
    { headers: { authorization: `Bearer ${token}`, 'accept-language': 'kk' } },
  );
  expect(xlsx.status).toBe(200);
  expect(xlsx.headers.get('content-type')).toBe(
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  );
  expect(xlsx.headers.get('content-disposition')).toContain('compliance-department-');
  const book = new Workbook();
  await book.xlsx.load(await xlsx.arrayBuffer());
  expect(book.worksheets.map((w) => w.name)).toEqual([
    'Summary',
    'By step',
    'By department',
    'By person',
    'Waivers',
    'Chart',
  ]);
  expect(book.getWorksheet('Chart')!.getImages()).toHaveLength(1);
});
