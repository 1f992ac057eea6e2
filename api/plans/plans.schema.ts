import { z } from 'zod';
import { isIsoDate } from '../../sop/dates';

/** POST /plans/preview body. zod, so each error names its exact path (e.g. exams.2.days.0). */

const date = z.string().refine(isIsoDate, { message: 'must be a real date YYYY-MM-DD' });
const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a local time HH:mm (24-hour)' });

export const previewExamSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
      message: 'must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    }),
    discipline: z.string().trim().min(1, { message: 'is required' }).max(200),
    department: z.string().trim().min(1, { message: 'is required' }).max(200),
    /** D1 … Dn, local dates, ascending. */
    days: z.array(date).min(1, { message: 'needs at least one exam day' }).max(10, {
      message: 'at most 10 exam days',
    }),
    /** Local time the first sitting starts on D1 (offsets in hours count from it); default 09:00. */
    firstSittingStart: time.default('09:00'),
    /** Local time the last sitting ends on the last day: E. */
    lastSittingEnd: time,
    credits: z.number().int({ message: 'must be a whole number' }).min(1).max(60).optional(),
    expectedWorks: z.number().int({ message: 'must be a whole number' }).min(0).max(1_000_000),
    retake: z.boolean().default(false),
  })
  .strict()
  .superRefine((exam, ctx) => {
    exam.days.forEach((day, i) => {
      if (i > 0 && day <= exam.days[i - 1])
        ctx.addIssue({
          code: 'custom',
          path: ['days', i],
          message: 'exam days must be ascending and distinct',
        });
    });
    if (exam.days.length === 1 && exam.lastSittingEnd <= exam.firstSittingStart)
      ctx.addIssue({
        code: 'custom',
        path: ['lastSittingEnd'],
        message: 'must be after firstSittingStart on a one-day exam',
      });
  });

export const previewSchema = z
  .object({
    session: z
      .object({
        /** S: the first day of the session. */
        startDate: date,
        /** Row 4: a summer session's schedule is due 1 week before instead of 2. */
        summer: z.boolean().default(false),
      })
      .strict(),
    exams: z.array(previewExamSchema).max(2000, { message: 'at most 2000 exams per preview' }),
  })
  .strict()
  .superRefine((body, ctx) => {
    const ids = new Set<string>();
    body.exams.forEach((exam, e) => {
      if (ids.has(exam.id))
        ctx.addIssue({
          code: 'custom',
          path: ['exams', e, 'id'],
          message: `duplicate exam id "${exam.id}"`,
        });
      ids.add(exam.id);
      if (exam.days[0] < body.session.startDate)
        ctx.addIssue({
          code: 'custom',
          path: ['exams', e, 'days', 0],
          message: `is before the session starts (${body.session.startDate})`,
        });
    });
  });
export type PreviewRequest = z.output<typeof previewSchema>;
