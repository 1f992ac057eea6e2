import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AuthService } from '../api/auth/auth.service';
import type { Role } from '../sop/policy';

/**
 * A school with two departments and their people, written straight into the directory tables (the
 * import through the API has its own test). Every fixture has its own ids, so tests sharing the
 * database never see each other's people.
 */
export interface FixturePerson {
  id: string;
  email: string;
  password: string;
  fullName: string;
}

export interface DirectoryFixture {
  institutionId: string;
  schoolId: string;
  departmentId: string;
  otherDepartmentId: string;
  head: FixturePerson;
  dean: FixturePerson;
  otherHead: FixturePerson;
  auditor: FixturePerson;
  student: FixturePerson;
  people: Record<string, FixturePerson>;
  /** One holder of every role that owns or escalates a step (for the lifecycle tests). */
  byRole: Partial<Record<Role, FixturePerson>>;
}

const PASSWORD = 'correct horse battery staple';

export async function seedDirectory(db: DataSource, tag: string): Promise<DirectoryFixture> {
  const schoolId = `school-${tag}`.toLowerCase().slice(0, 64);
  const departmentId = `dept-${tag}`.toLowerCase().slice(0, 64);
  const otherDepartmentId = `other-${tag}`.toLowerCase().slice(0, 64);
  await db.query(
    `INSERT INTO org_unit (id, kind, parent_id, name_kk, name_ru, name_en)
     SELECT 'institution', 'institution', NULL, 'Университет', 'Университет', 'University'
      WHERE NOT EXISTS (SELECT 1 FROM org_unit WHERE kind = 'institution')`,
  );
  const institution = await db.query<{ id: string }[]>(
    `SELECT id FROM org_unit WHERE kind = 'institution' ORDER BY created_at LIMIT 1`,
  );
  const institutionId = institution[0].id;
  await db.query(
    `INSERT INTO org_unit (id, kind, parent_id, name_kk, name_ru, name_en) VALUES
       ($1, 'school', $4, 'Жалпы медицина мектебі', 'Школа общей медицины', 'School of General Medicine'),
       ($2, 'department', $1, 'Қалыпты анатомия кафедрасы', 'Кафедра нормальной анатомии', 'Department of Normal Anatomy'),
       ($3, 'department', $1, 'Биохимия кафедрасы', 'Кафедра биохимии', 'Department of Biochemistry')`,
    [schoolId, departmentId, otherDepartmentId, institutionId],
  );
  const hash = await AuthService.hashPassword(PASSWORD);
  const people: Record<string, FixturePerson> = {};
  const person = async (
    key: string,
    fullName: string,
    language: 'kk' | 'ru' | 'en',
    roles: [Role, string][],
  ): Promise<FixturePerson> => {
    const id = randomUUID();
    const email = `${key}.${tag}@example.edu.kz`.toLowerCase();
    await db.query(
      `INSERT INTO person (id, email, full_name, language, password_hash) VALUES ($1, $2, $3, $4, $5)`,
      [id, email, fullName, language, hash],
    );
    for (const [role, scope] of roles) {
      await db.query(
        `INSERT INTO role_assignment (person_id, role, scope_id) VALUES ($1, $2, $3)`,
        [id, role, scope],
      );
    }
    people[key] = { id, email, password: PASSWORD, fullName };
    return people[key];
  };
  const fixture: DirectoryFixture = {
    institutionId,
    schoolId,
    departmentId,
    otherDepartmentId,
    head: await person('head', 'Әлия Нұрланқызы Сәрсенбаева', 'kk', [
      ['department_head', departmentId],
    ]),
    dean: await person('dean', 'Ерлан Қайратұлы Мұхамедиев', 'ru', [['dean', schoolId]]),
    otherHead: await person('otherhead', 'Dana Smith', 'en', [
      ['department_head', otherDepartmentId],
    ]),
    auditor: await person('auditor', 'Айгүл Әбдіқызы', 'en', [['auditor', institutionId]]),
    student: await person('student', 'Student One', 'en', [['student', departmentId]]),
    people,
    byRole: {},
  };
  // Institution-wide roles are held at this fixture's school, so tests sharing the database never
  // write to each other's staff.
  const staff: [string, string, Role, string][] = [
    ['responsible', 'Responsible Person', 'department_responsible', departmentId],
    ['examiner', 'Examiner One', 'examiner', departmentId],
    ['committee', 'Committee Chair', 'programme_committee', schoolId],
    ['centre', 'Testing Centre', 'testing_centre', schoolId],
    ['registrar', 'Registrar Office', 'registrar', schoolId],
    ['deansoffice', "Dean's Office", 'deans_office', schoolId],
    ['distance', 'Distance Learning', 'distance_learning', schoolId],
    ['vicerector', 'Vice Rector', 'vice_rector', schoolId],
    ['group', 'Working Group', 'working_group_member', schoolId],
    ['proctor', 'Proctor One', 'proctor', schoolId],
    ['integrity', 'Integrity Commission', 'violation_commission', schoolId],
    ['appeals', 'Appeal Commission', 'appeal_commission', schoolId],
  ];
  fixture.byRole = {
    department_head: fixture.head,
    dean: fixture.dean,
    student: fixture.student,
    auditor: fixture.auditor,
  };
  for (const [key, name, role, scope] of staff)
    fixture.byRole[role] = await person(key, name, 'en', [[role, scope]]);
  return fixture;
}
