import { randomUUID } from 'node:crypto';
import { EMBEDDED_DEFAULTS } from '../../config/config';
import { uniqueId } from '../support';
import { examStartingAt, useStack } from './harness';

/**
 * Issue 5's authorisation matrix: every route of the OpenAPI document called by every kind of
 * caller, asserting allow or deny. A route missing from the matrix fails the test, so a new route
 * cannot ship without its rule. "deny" is 401/403; "hidden" is 404 where the matrix expects it (an
 * exam outside one's scope is not revealed); "allow" is anything else (400, 404 of an unknown key
 * or link, 409 … are answers the caller was allowed to get).
 */
const ctx = useStack();

type Caller = 'anonymous' | 'student' | 'head' | 'otherHead' | 'dean' | 'auditor' | 'admin';
const CALLERS: Caller[] = ['anonymous', 'student', 'otherHead', 'dean', 'auditor', 'admin', 'head'];
type Verdict = 'allow' | 'deny' | 'hidden';

const everyone = (v: Verdict) =>
  Object.fromEntries(CALLERS.map((c) => [c, v])) as Record<Caller, Verdict>;
const signedIn = { ...everyone('allow'), anonymous: 'deny' as Verdict };
const staff = { ...signedIn, student: 'deny' as Verdict };
const examHistory = { ...signedIn, student: 'hidden' as Verdict, otherHead: 'hidden' as Verdict };

/**
 * Compliance reports (issue 7), asked for the head's department: auditors, admins and vice-rectors
 * read every scope, the dean their school, the head their department; another department's head
 * does not learn it exists.
 */
const reportReaders: Record<Caller, Verdict> = {
  ...everyone('deny'),
  otherHead: 'hidden',
  head: 'allow',
  dean: 'allow',
  auditor: 'allow',
  admin: 'allow',
};

/** §5.2: a ticket's content before the exam starts (the matrix's exam starts in an hour). */
const ticketKeepers: Record<Caller, Verdict> = {
  ...everyone('hidden'),
  anonymous: 'deny',
  student: 'deny',
  head: 'allow',
};

/** §5.19: the grade sheet names students: the department, examiners, registrar, auditors. */
const gradeSheetReaders: Record<Caller, Verdict> = {
  ...everyone('deny'),
  otherHead: 'hidden',
  head: 'allow',
  auditor: 'allow',
};

/** Exam routes: the head owns GP 3's step; the dean reads the school; the other head sees nothing. */
const MATRIX: Record<string, Record<Caller, Verdict>> = {
  'POST /auth/login': everyone('allow'),
  'POST /auth/refresh': everyone('allow'),
  // Not configured in this stack: 404 for everybody (test/e2e/oidc.test.ts signs in through it).
  'GET /auth/oidc/login': everyone('allow'),
  'GET /auth/oidc/callback': everyone('allow'),
  'POST /auth/logout': signedIn,
  'GET /me': signedIn,
  'GET /me/api-keys': signedIn,
  'POST /me/api-keys': signedIn,
  'DELETE /me/api-keys/{id}': signedIn,
  'GET /me/tasks': signedIn,
  'GET /directory/units': signedIn,
  'PUT /directory/units': { ...everyone('deny'), admin: 'allow' },
  'POST /directory/people/import': { ...everyone('deny'), admin: 'allow' },
  'POST /directory/people/{id}/password': { ...everyone('deny'), admin: 'allow' },
  'POST /me/password': signedIn,
  'GET /directory/people': { ...everyone('deny'), admin: 'allow', auditor: 'allow' },
  'GET /audit/verify': { ...everyone('deny'), admin: 'allow', auditor: 'allow' },
  'GET /audit/records': { ...everyone('deny'), admin: 'allow', auditor: 'allow' },
  'POST /exams': { ...everyone('deny'), head: 'allow', dean: 'allow', admin: 'allow' },
  'GET /exams': staff,
  'GET /exams/{id}': { ...staff, otherHead: 'hidden' },
  'POST /exams/{id}/steps/{step}/approve': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
  },
  // The dean is above the head in GP 3's chain: may waive and reassign (a 400/200, not a 403).
  'POST /exams/{id}/steps/{step}/waive': {
    ...everyone('deny'),
    otherHead: 'hidden',
    dean: 'allow',
  },
  'POST /exams/{id}/steps/{step}/reassign': {
    ...everyone('deny'),
    otherHead: 'hidden',
    dean: 'allow',
    head: 'allow',
  },
  'POST /exams/{id}/steps/{step}/reject': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
  },
  'POST /exams/{id}/reschedule': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
    dean: 'allow',
    admin: 'allow',
  },
  // History for auditors (issue 7): whoever reads the exam (auditor, admin, its readers); a
  // student or another department's head is answered 404, as for the exam itself.
  'GET /exams/{id}/history': examHistory,
  'GET /exams/{id}/history.json': examHistory,
  'GET /exams/{id}/history.csv': examHistory,
  'GET /exams/{id}/history.pdf': examHistory,
  // The question list (issue 8, GP 3, row 1): uploaded by the department's head or responsible
  // person only (the dean, auditor and admin read it); read by whoever reads the exam.
  'POST /exams/{id}/question-lists': { ...everyone('deny'), otherHead: 'hidden', head: 'allow' },
  'GET /exams/{id}/question-lists': { ...staff, otherHead: 'hidden' },
  'GET /exams/{id}/question-lists/{version}': { ...staff, otherHead: 'hidden' },
  // The assignment (§5.5): verified by whoever reads the exam (409 before the reveal); exported for
  // Moodle by the testing centre and the department (the dean: 403); a ticket is the caller's own
  // (404 for everyone without one).
  'GET /exams/{id}/assignment/verify': examHistory,
  'GET /exams/{id}/assignment.csv': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
    auditor: 'allow',
    admin: 'allow',
  },
  'GET /exams/{id}/my-ticket': signedIn,
  // Events: recorded by the roles of EXAM_EVENTS (a proctor for violationFound); no one here is one.
  'POST /exams/{id}/events': {
    ...everyone('deny'),
    otherHead: 'hidden',
    student: 'allow',
  },
  // Sessions: opened by the testing centre, a vice-rector or an admin; read by staff inside the
  // session's scope; the row 4 step (testing centre, escalated to the vice-rector) is no caller's.
  'POST /sessions': { ...everyone('deny'), admin: 'allow' },
  'GET /sessions': staff,
  'GET /sessions/{id}': staff,
  'POST /sessions/{id}/steps/{step}/approve': {
    ...everyone('deny'),
    head: 'allow',
    otherHead: 'allow',
  },
  'POST /sessions/{id}/steps/{step}/reject': {
    ...everyone('deny'),
    head: 'allow',
    otherHead: 'allow',
  },
  'POST /sessions/{id}/steps/{step}/waive': {
    ...everyone('deny'),
    head: 'allow',
    otherHead: 'allow',
  },
  'POST /sessions/{id}/steps/{step}/reassign': {
    ...everyone('deny'),
    head: 'allow',
    otherHead: 'allow',
  },
  'POST /plans/preview': staff,
  'GET /plans/preview/{file}': staff,
  // The SOP's clauses and their enforcement: any signed-in staff member (issue 7).
  'GET /policy/clauses': staff,
  'GET /reports/compliance': reportReaders,
  'GET /reports/compliance.xlsx': reportReaders,
  'GET /reports/compliance.svg': reportReaders,
  // Tickets (§5.1–§5.3, Form 1): the responsible person or the head uploads (the head's 422: no
  // approved question list yet), only the head approves (404: no set yet); the metadata is for the
  // exam's readers.
  'POST /exams/{id}/ticket-sets/{day}': { ...everyone('deny'), otherHead: 'hidden', head: 'allow' },
  'POST /exams/{id}/ticket-sets/{day}/approve': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
  },
  'GET /exams/{id}/ticket-sets': { ...staff, otherHead: 'hidden' },
  // §5.2: before the exam starts, a ticket's content is for the head, the responsible person and
  // the testing centre only; the dean, the auditor and the admin read the exam but are answered 404.
  'GET /exams/{id}/ticket-sets/{day}': ticketKeepers,
  'GET /exams/{id}/ticket-sets/{day}/form1.pdf': ticketKeepers,
  // The admission list (§5.1): imported by the testing centre (none of these callers); read by the
  // testing centre, the department's head and responsible person, auditors.
  'POST /exams/{id}/admission': everyone('deny'),
  'GET /exams/{id}/admission': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
    auditor: 'allow',
  },
  // Anonymised grading (§5.6, §5.17): examiners grade (none of these callers); the works by code
  // are read by examiners, the department's head and responsible person, auditors.
  'GET /exams/{id}/works': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
    auditor: 'allow',
  },
  'POST /exams/{id}/grades': everyone('deny'),
  // The grade sheet (§5.19, rows 9–10): the head forms it (409: row 8, no works) and confirms it
  // with the examiners (404: no version); the department, examiners, registrar and auditors read
  // it (404: no version yet); only the registrar exports (row 10).
  'POST /exams/{id}/grade-sheets': { ...everyone('deny'), otherHead: 'hidden', head: 'allow' },
  'POST /exams/{id}/grade-sheets/{version}/confirm': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
  },
  'GET /exams/{id}/grade-sheets': gradeSheetReaders,
  'GET /exams/{id}/grade-sheets/{version}': gradeSheetReaders,
  'GET /exams/{id}/grade-sheets/{version}/statement.pdf': gradeSheetReaders,
  'GET /exams/{id}/grade-sheets/{version}/export.csv': everyone('deny'),
  'GET /exams/{id}/grade-sheets/{version}/export.xlsx': everyone('deny'),
  // Appeals (row 12): filed by a student (400 here: no reason) or the dean's office, decided by
  // the appeal commission (none of these callers); read by the commission, the school, the head,
  // the registrar and auditors; a result is the caller's own (404 for everyone without one).
  'POST /exams/{id}/appeals': { ...everyone('deny'), student: 'allow' },
  'POST /exams/{id}/appeals/{caseId}/outcome': everyone('deny'),
  'GET /exams/{id}/appeals': {
    ...everyone('deny'),
    otherHead: 'hidden',
    head: 'allow',
    dean: 'allow',
    auditor: 'allow',
  },
  'GET /exams/{id}/my-grade': signedIn,
  // Violation cases (issue 9): opened by proctors, the working group or the testing centre,
  // decided by the integrity commission, sent by the dean's office (none of these callers);
  // answered by the case's student (400 here: no such case id form); read by the commission, the
  // working group, the school, the testing centre, the registrar and auditors; one case and a
  // document by its readers and its student (400/404 here).
  'POST /exams/{id}/cases': everyone('deny'),
  'POST /exams/{id}/cases/{caseId}/decision': everyone('deny'),
  'POST /exams/{id}/cases/{caseId}/delivery': everyone('deny'),
  'POST /exams/{id}/cases/{caseId}/acknowledgement': { ...everyone('deny'), student: 'allow' },
  'POST /exams/{id}/cases/{caseId}/refusal-act': everyone('deny'),
  'GET /exams/{id}/cases': { ...everyone('deny'), dean: 'allow', auditor: 'allow' },
  'GET /exams/{id}/cases/{caseId}': signedIn,
  'GET /exams/{id}/documents/{documentId}.pdf': signedIn,
  // The working group (§5.10–§5.12): the order recorded by the vice-rector or the testing centre,
  // proctors assigned by the testing centre (none of these callers); the list read by staff.
  'POST /working-group/orders': everyone('deny'),
  'PUT /exams/{id}/proctors': everyone('deny'),
  'GET /exams/{id}/proctors': { ...staff, otherHead: 'hidden' },
  // The proctoring system's webhook (§5.4, §5.9): public, authenticated by its HMAC signature,
  // which no caller here has: 401 for everyone (test/e2e/proctoring.test.ts sends signed events).
  'POST /proctoring/events': everyone('deny'),
  // §5.7: the recordings are for the exam's proctors (72 hours), the working group, the testing
  // centre and auditors; none of the others here holds one of those roles.
  'GET /exams/{id}/recordings': { ...everyone('deny'), auditor: 'allow' },
  // Form 4 (§5.14, §5.15): returned by its proctor or member, signed by the member.
  'POST /exams/{id}/form4/{proctorId}': everyone('deny'),
  'POST /exams/{id}/form4/{proctorId}/sign': everyone('deny'),
  'GET /links/{token}': everyone('allow'),
  'POST /links/{token}': everyone('allow'),
  // §5.14: the Form 4 email link's upload page posts here; the link's token authorises it.
  'POST /links/{token}/form4': everyone('allow'),
  'GET /health': everyone('allow'),
};

/**
 * Routes any signed-in person uses on their own behalf (credentials, a plan preview that changes
 * no exam) or that a link's token authorises: outside "reads everything, changes nothing".
 */
const OWN_BEHALF = [
  'POST /auth/login',
  'POST /auth/refresh',
  'POST /auth/logout',
  'POST /me/api-keys',
  'DELETE /me/api-keys/{id}',
  'POST /me/password',
  'POST /plans/preview',
  'POST /links/{token}',
  'POST /links/{token}/form4',
];

/**
 * Reads the auditor may not make: §5.2 makes the head and the responsible person answer for the
 * tickets' confidentiality, so until the exam starts their content is for them and the testing
 * centre only (the auditor reads the metadata, the hashes and every audited view of it).
 */
const CONFIDENTIAL_BEFORE_START = [
  'GET /exams/{id}/ticket-sets/{day}',
  'GET /exams/{id}/ticket-sets/{day}/form1.pdf',
];

/**
 * Row 10: the registrar's export is an act (recorded in grade_sheet_export, the subject of the
 * gradeSheetExport step), not a read: the auditor reads the same rows through
 * GET /exams/{id}/grade-sheets/{version} and the statement PDF, and the exports in the audit log.
 */
const REGISTRAR_ACTS = [
  'GET /exams/{id}/grade-sheets/{version}/export.csv',
  'GET /exams/{id}/grade-sheets/{version}/export.xlsx',
];

test('the auditor reads everything and changes nothing (issue 7: the matrix shows it)', () => {
  const verdicts = Object.entries(MATRIX)
    .filter(([route]) => !OWN_BEHALF.includes(route))
    .map(([route, v]) => [route, v.auditor]);
  expect(verdicts).toEqual(
    verdicts.map(([route]) => [
      route,
      CONFIDENTIAL_BEFORE_START.includes(route)
        ? 'hidden'
        : REGISTRAR_ACTS.includes(route)
          ? 'deny'
          : route.startsWith('GET ')
            ? 'allow'
            : 'deny',
    ]),
  );
});

test('every route of /docs-json answers every caller as the matrix says (issue 5)', async () => {
  const doc = (await ctx.stack.http('GET', '/docs-json')).body as {
    paths: Record<string, Record<string, unknown>>;
  };
  const routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
  );
  // /dev/mail exists only with DEV_MAIL_DIR (development); it is public there.
  const documented = routes.filter((r) => !r.includes('/dev/mail'));
  expect(documented.filter((r) => MATRIX[r] === undefined)).toEqual([]);

  const admin = {
    email: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_EMAIL,
    password: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_PASSWORD,
  };
  const people = {
    student: ctx.dir.student,
    head: ctx.dir.head,
    otherHead: ctx.dir.otherHead,
    dean: ctx.dir.dean,
    auditor: ctx.dir.auditor,
    admin,
  };
  // API keys, so that calling logout does not end the caller's credentials for the next routes.
  const keys: Partial<Record<Caller, string>> = {};
  for (const [caller, person] of Object.entries(people)) {
    const key = await ctx.stack.http('POST', '/me/api-keys', {
      body: { name: 'matrix' },
      as: person,
    });
    expect(key.status).toBe(201);
    keys[caller as Caller] = key.body.key as string;
  }
  const { examDate, startsAt } = examStartingAt(Date.now() + 3_600_000);
  const examId = uniqueId('matrix');
  expect(
    (
      await ctx.stack.http('POST', '/exams', {
        body: {
          id: examId,
          discipline: `Matrix ${examId}`,
          department: ctx.dir.departmentId,
          examDate,
          startsAt,
        },
        as: ctx.dir.head,
      })
    ).status,
  ).toBe(201);
  const preview = await ctx.stack.http('POST', '/plans/preview', {
    body: { session: { startDate: '2027-06-07' }, exams: [] },
    as: ctx.dir.head,
  });
  expect(preview.status).toBe(201);

  const sessionId = uniqueId('matrix-session');
  const session = await ctx.stack.http('POST', '/sessions', {
    body: {
      id: sessionId,
      title: 'Matrix session',
      startDate: examDate,
      scope: ctx.dir.schoolId,
      exams: [
        { discipline: `Matrix ${sessionId}`, department: ctx.dir.departmentId, examDate, startsAt },
      ],
    },
    as: admin,
  });
  expect(session.status).toBe(201);

  const call = (route: string, caller: Caller) => {
    const [method, template] = route.split(' ');
    const onSession = template.startsWith('/sessions/');
    const path = template
      .replace('{id}', route.startsWith('DELETE') ? randomUUID() : onSession ? sessionId : examId)
      .replace('{step}', onSession ? 'scheduleApproval' : 'departmentDiscussion')
      .replace('{day}', '1')
      .replace('{file}', String(preview.body.id))
      .replace('{version}', '1')
      .replace('{caseId}', 'AP-1')
      .replace('{token}', 'A'.repeat(43))
      .concat(template.startsWith('/reports/') ? `?departmentId=${ctx.dir.departmentId}` : '');
    const bodies: Record<string, unknown> = {
      'POST /auth/login': { email: 'nobody@example.edu.kz', password: 'wrong password' },
      'POST /auth/refresh': { refreshToken: `emt_rt_${'A'.repeat(43)}` },
      'POST /me/api-keys': { name: 'matrix-2' },
      'PUT /directory/units': {
        units: [
          {
            id: ctx.dir.departmentId,
            kind: 'department',
            parentId: ctx.dir.schoolId,
            name: {
              kk: 'Қалыпты анатомия кафедрасы',
              ru: 'Кафедра нормальной анатомии',
              en: 'Department of Normal Anatomy',
            },
          },
        ],
      },
      'POST /exams': {
        discipline: `Matrix ${uniqueId(caller)}`,
        department: ctx.dir.departmentId,
        examDate,
        startsAt,
      },
      'POST /exams/{id}/steps/{step}/approve': {},
      'POST /exams/{id}/steps/{step}/reject': { comment: 'matrix' },
      'POST /exams/{id}/reschedule': { examDate, reason: 'matrix' },
      'POST /exams/{id}/steps/{step}/waive': { comment: 'matrix' },
      'POST /exams/{id}/steps/{step}/reassign': { personId: ctx.dir.head.id, comment: 'matrix' },
      'POST /plans/preview': { session: { startDate: '2027-06-07' }, exams: [] },
      'POST /exams/{id}/events': { event: 'violationFound', caseId: 'V-1' },
      'POST /sessions': {
        title: 'Matrix',
        startDate: examDate,
        scope: ctx.dir.schoolId,
        exams: [
          {
            discipline: `Matrix ${uniqueId(caller)}`,
            department: ctx.dir.departmentId,
            examDate,
            startsAt,
          },
        ],
      },
      'POST /sessions/{id}/steps/{step}/reject': { comment: 'matrix' },
      'POST /sessions/{id}/steps/{step}/waive': { comment: 'matrix' },
      'POST /sessions/{id}/steps/{step}/reassign': { personId: ctx.dir.head.id, comment: 'matrix' },
    };
    const key = caller === 'anonymous' ? undefined : keys[caller];
    return ctx.stack.http(method, path, {
      body: bodies[route] ?? (method === 'POST' || method === 'PUT' ? {} : undefined),
      headers: { 'Idempotency-Key': uniqueId('k') },
      ...(key !== undefined ? { as: { token: key } } : {}),
    });
  };

  const wrong: string[] = [];
  for (const route of documented) {
    for (const caller of CALLERS) {
      const expected = MATRIX[route][caller];
      const { status } = await call(route, caller);
      // Sign-in routes answer bad credentials with 401: the caller was allowed to ask.
      const signIn = route === 'POST /auth/login' || route === 'POST /auth/refresh';
      const got: Verdict =
        (status === 401 && !signIn) || status === 403
          ? 'deny'
          : status === 404 && expected === 'hidden'
            ? 'hidden'
            : 'allow';
      if (got !== expected)
        wrong.push(`${route} as ${caller}: expected ${expected}, got ${status}`);
    }
  }
  expect(wrong).toEqual([]);
});
