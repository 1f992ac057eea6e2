import type { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../../sop/policy';

/**
 * The directory in PostgreSQL, as plain queries: used by the API (sign-in, scoping, import) and by
 * the activities (who owns a step, who is escalated to). Org units form a tree institution →
 * school → department; a role held in a unit covers that unit and everything below it.
 */

export type UnitKind = 'institution' | 'school' | 'department';
export type Language = 'kk' | 'ru' | 'en';

export interface Unit {
  id: string;
  kind: UnitKind;
  parentId: string | null;
  name: { kk: string; ru: string; en: string };
}

export interface Grant {
  role: Role;
  scopeId: string;
  scopeKind: UnitKind;
}

export interface Person {
  id: string;
  email: string;
  fullName: string;
  language: Language;
  active: boolean;
}

type Db = DataSource | EntityManager;

interface UnitRow {
  id: string;
  kind: UnitKind;
  parent_id: string | null;
  name_kk: string;
  name_ru: string;
  name_en: string;
}

const toUnit = (r: UnitRow): Unit => ({
  id: r.id,
  kind: r.kind,
  parentId: r.parent_id,
  name: { kk: r.name_kk, ru: r.name_ru, en: r.name_en },
});

export async function listUnits(db: Db): Promise<Unit[]> {
  const rows = await db.query<UnitRow[]>(`SELECT * FROM org_unit ORDER BY kind, id`);
  return rows.map(toUnit);
}

export async function findUnit(db: Db, id: string): Promise<Unit | undefined> {
  const rows = await db.query<UnitRow[]>(`SELECT * FROM org_unit WHERE id = $1`, [id]);
  return rows[0] === undefined ? undefined : toUnit(rows[0]);
}

/** The unit and its ancestors, nearest first (department, school, institution). */
export async function unitChain(db: Db, id: string): Promise<Unit[]> {
  const rows = await db.query<UnitRow[]>(
    `WITH RECURSIVE chain AS (
       SELECT u.*, 0 AS depth FROM org_unit u WHERE u.id = $1
       UNION ALL
       SELECT p.*, c.depth + 1 FROM org_unit p JOIN chain c ON p.id = c.parent_id
     )
     SELECT id, kind, parent_id, name_kk, name_ru, name_en FROM chain ORDER BY depth`,
    [id],
  );
  return rows.map(toUnit);
}

interface PersonRow {
  id: string;
  email: string;
  full_name: string;
  language: Language;
  active: boolean;
}

const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  email: r.email,
  fullName: r.full_name,
  language: r.language,
  active: r.active,
});

export async function findPerson(db: Db, id: string): Promise<Person | undefined> {
  const rows = await db.query<PersonRow[]>(
    `SELECT id, email, full_name, language, active FROM person WHERE id = $1`,
    [id],
  );
  return rows[0] === undefined ? undefined : toPerson(rows[0]);
}

export async function grantsOf(db: Db, personId: string): Promise<Grant[]> {
  const rows = await db.query<{ role: Role; scope_id: string; kind: UnitKind }[]>(
    `SELECT r.role, r.scope_id, u.kind FROM role_assignment r JOIN org_unit u ON u.id = r.scope_id
     WHERE r.person_id = $1 ORDER BY r.role, r.scope_id`,
    [personId],
  );
  return rows.map((r) => ({ role: r.role, scopeId: r.scope_id, scopeKind: r.kind }));
}

/**
 * Active people holding `role` in a scope that covers `unitId` (the unit or an ancestor), nearest
 * scope first: who owns a department's step, or who is its supervisor.
 */
export async function holdersCovering(db: Db, role: Role, unitId: string): Promise<Person[]> {
  const rows = await db.query<PersonRow[]>(
    `WITH RECURSIVE chain AS (
       SELECT u.id, u.parent_id, 0 AS depth FROM org_unit u WHERE u.id = $2
       UNION ALL
       SELECT p.id, p.parent_id, c.depth + 1 FROM org_unit p JOIN chain c ON p.id = c.parent_id
     )
     SELECT DISTINCT ON (p.id) p.id, p.email, p.full_name, p.language, p.active
       FROM role_assignment r
       JOIN chain c ON c.id = r.scope_id
       JOIN person p ON p.id = r.person_id
      WHERE r.role = $1 AND p.active
      ORDER BY p.id, c.depth`,
    [role, unitId],
  );
  return rows.map(toPerson);
}
