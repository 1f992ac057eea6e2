import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { auditPersonalDataRead } from '../audit/personal-data';
import { AuthService } from '../auth/auth.service';
import type { Principal } from '../auth/principal';
import { notFound, ProblemException } from '../common/problem';
import { listUnits, type Unit } from './directory.repository';
import type { UnitsDto } from './directory.dto';
import { IMPORT_LIMITS, parsePeopleFile, type ScopeKind } from './import/parse-people';

const PARENT_KIND: Record<Unit['kind'], Unit['kind'] | null> = {
  institution: null,
  school: 'institution',
  department: 'school',
};

export class DirectoryService {
  constructor(private readonly db: DataSource) {}

  units(): Promise<Unit[]> {
    return listUnits(this.db);
  }

  /**
   * Creates or renames org units in one transaction: schools under the institution, departments
   * under a school; a unit's kind and parent never change once created (roles are held in them).
   */
  async putUnits(dto: UnitsDto): Promise<Unit[]> {
    const existing = new Map((await listUnits(this.db)).map((u) => [u.id, u]));
    const incoming = new Map(dto.units.map((u) => [u.id, u]));
    const errors: { path: string; message: string }[] = [];
    dto.units.forEach((unit, i) => {
      const before = existing.get(unit.id);
      if (
        before !== undefined &&
        (before.kind !== unit.kind || before.parentId !== (unit.parentId ?? null))
      )
        errors.push({
          path: `units.${i}`,
          message: `unit ${unit.id} exists as a ${before.kind} under ${before.parentId ?? 'nothing'}: kind and parent cannot change`,
        });
      const wanted = PARENT_KIND[unit.kind];
      const parentId = unit.parentId ?? null;
      if (wanted === null) {
        if (parentId !== null)
          errors.push({ path: `units.${i}.parentId`, message: 'an institution has no parent' });
        const other = [...existing.values()].find(
          (u) => u.kind === 'institution' && u.id !== unit.id,
        );
        if (other !== undefined)
          errors.push({
            path: `units.${i}.kind`,
            message: `the institution is ${other.id}; there is only one`,
          });
      } else {
        const parent =
          parentId === null ? undefined : (incoming.get(parentId) ?? existing.get(parentId));
        if (parent === undefined)
          errors.push({
            path: `units.${i}.parentId`,
            message: `a ${unit.kind} needs an existing ${wanted} as parent`,
          });
        else if (parent.kind !== wanted)
          errors.push({
            path: `units.${i}.parentId`,
            message: `the parent of a ${unit.kind} must be a ${wanted}, ${parent.id} is a ${parent.kind}`,
          });
      }
    });
    if (errors.length > 0) {
      throw new ProblemException({
        status: 422,
        detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        errors,
      });
    }
    await this.db.transaction(async (tx) => {
      // Parents first: institution, schools, departments.
      const order = { institution: 0, school: 1, department: 2 } as const;
      for (const unit of [...dto.units].sort((a, b) => order[a.kind] - order[b.kind])) {
        await tx.query(
          `INSERT INTO org_unit (id, kind, parent_id, name_kk, name_ru, name_en) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET name_kk = EXCLUDED.name_kk, name_ru = EXCLUDED.name_ru, name_en = EXCLUDED.name_en`,
          [unit.id, unit.kind, unit.parentId ?? null, unit.name.kk, unit.name.ru, unit.name.en],
        );
      }
    });
    return listUnits(this.db);
  }

  /**
   * Imports people and their roles from CSV or XLSX: every row is checked first; one bad row and
   * nothing is imported (422 with each rejected row's number, column and reason). People are
   * matched by email; roles listed are added (roles not listed are kept).
   */
  async importPeople(file: { originalname: string; mimetype: string; buffer: Buffer } | undefined) {
    if (file === undefined) {
      throw new ProblemException({
        status: 400,
        detail: 'file: upload a CSV or XLSX file in the "file" field',
        errors: [{ path: 'file', message: 'is required' }],
      });
    }
    const scopes = new Map<string, ScopeKind>(
      (await listUnits(this.db)).map((u) => [u.id, u.kind]),
    );
    const parsed = await parsePeopleFile(
      { filename: file.originalname, contentType: file.mimetype, data: file.buffer },
      scopes,
    );
    if (parsed.errors.length > 0) {
      throw new ProblemException({
        status: 422,
        detail: `nothing imported: ${parsed.errors.length} problem(s); first: row ${parsed.errors[0].row}, ${parsed.errors[0].column}: ${parsed.errors[0].reason}`,
        errors: parsed.errors.map((e) => ({
          path: `row ${e.row}, ${e.column}`,
          message: e.reason,
          row: e.row,
          column: e.column,
        })),
      });
    }
    return this.db.transaction(async (tx) => {
      let created = 0;
      const people = new Map<string, string>();
      for (const row of parsed.rows) {
        if (people.has(row.email)) continue;
        const result = await tx.query<{ id: string; inserted: boolean }[]>(
          `INSERT INTO person (id, email, full_name, language) VALUES ($1, $2, $3, $4)
           ON CONFLICT ((lower(email))) DO UPDATE SET full_name = EXCLUDED.full_name, language = EXCLUDED.language, updated_at = now()
           RETURNING id, (xmax = 0) AS inserted`,
          [randomUUID(), row.email, row.fullName, row.language],
        );
        if (result[0].inserted) created++;
        people.set(row.email, result[0].id);
      }
      let roles = 0;
      for (const row of parsed.rows) {
        const added = await tx.query<unknown[]>(
          `INSERT INTO role_assignment (person_id, role, scope_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING role`,
          [people.get(row.email), row.role, row.scope],
        );
        roles += added.length;
      }
      return {
        rows: parsed.rows.length,
        people: people.size,
        peopleCreated: created,
        rolesAdded: roles,
      };
    });
  }

  /** People and their roles, a page at a time; the read is audited (personal data, issue 7). */
  async people(principal: Principal, limit: number, cursor: string | undefined) {
    const rows = await this.db.query<
      {
        id: string;
        email: string;
        full_name: string;
        language: string;
        active: boolean;
        roles: { role: string; scopeId: string }[];
      }[]
    >(
      `SELECT p.id, p.email, p.full_name, p.language, p.active,
              coalesce(json_agg(json_build_object('role', r.role, 'scopeId', r.scope_id) ORDER BY r.role, r.scope_id)
                       FILTER (WHERE r.role IS NOT NULL), '[]') AS roles
         FROM person p LEFT JOIN role_assignment r ON r.person_id = p.id
        WHERE ($2::text IS NULL OR lower(p.email) > $2)
        GROUP BY p.id ORDER BY lower(p.email) LIMIT $1`,
      [limit + 1, cursor === undefined ? null : Buffer.from(cursor, 'base64url').toString('utf8')],
    );
    const page = rows.slice(0, limit);
    await auditPersonalDataRead(this.db, principal, {
      resource: 'GET /directory/people',
      personIds: page.map((p) => p.id),
      query: { limit, ...(cursor !== undefined ? { cursor } : {}) },
    });
    return {
      items: page.map((p) => ({
        id: p.id,
        email: p.email,
        fullName: p.full_name,
        language: p.language,
        active: p.active,
        roles: p.roles,
      })),
      nextCursor:
        rows.length > limit
          ? Buffer.from(page[page.length - 1].email.toLowerCase()).toString('base64url')
          : null,
    };
  }

  /** Sets a person's password (an admin's initial password, or the person's own change). */
  async setPassword(personId: string, password: string): Promise<void> {
    const hash = await AuthService.hashPassword(password);
    const [, affected] = await this.db.query<[unknown[], number]>(
      `UPDATE person SET password_hash = $2, updated_at = now() WHERE id = $1 RETURNING id`,
      [personId, hash],
    );
    if (affected === 0) throw notFound(`person ${personId} does not exist`);
  }

  static readonly limits = IMPORT_LIMITS;
}
