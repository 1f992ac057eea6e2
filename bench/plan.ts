/**
 * npm run bench:plan — plans 100,000 exams with the default policy (issue 4's target: all of them
 * in 2 s or less on one core) and prints exams per second, with a baseline measured in the same
 * run: the same number of due dates computed the usual way, with bare luxon (date + offset → end of
 * day in the zone), without the working-day calendar, the policy's variants and rules, or
 * reminders. Luxon creates a DateTime per instant (about 100 µs for three of them here), so the
 * baseline runs on the first BASELINE_EXAMS exams and the ratio compares time per exam.
 * Min / median / max of 5 runs after a warm-up.
 */
import { DateTime } from 'luxon';
import { calendarYears } from '../sop/calendar';
import { DEFAULT_POLICY } from '../sop/default-policy';
import { resolveCalendar } from '../sop/holidays';
import { planExam, type ExamFacts } from '../sop/plan';

const EXAMS = Number(process.env.BENCH_EXAMS ?? 100_000);
const RUNS = 5;
const BASELINE_EXAMS = Math.min(EXAMS, 2_000);
const TARGET_MS = 2_000;
const zone = DEFAULT_POLICY.timeZone;

/** A reproducible spread of exams over a spring session (mulberry32, fixed seed). */
function makeExams(count: number): ExamFacts[] {
  let a = 20270104;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  const first = DateTime.fromISO('2027-01-04', { zone });
  const exams: ExamFacts[] = [];
  for (let i = 0; i < count; i++) {
    const start = first.plus({ days: Math.floor(next() * 170) });
    const n = 1 + Math.floor(next() * 3);
    const days = Array.from({ length: n }, (_, k) => start.plus({ days: k }).toISODate()!);
    const startsAt = start.set({ hour: 9 }).toMillis();
    exams.push({
      examId: `exam-${i}`,
      days,
      startsAt,
      endsAt: start
        .plus({ days: n - 1 })
        .set({ hour: 13 })
        .toMillis(),
      expectedWorks: Math.floor(next() * 600),
      summer: false,
      retake: next() < 0.1,
      opensAt: first.minus({ months: 3 }).toMillis(),
    });
  }
  return exams;
}

function time(fn: () => number): { ms: number; out: number } {
  const t0 = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, out };
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

function main(): void {
  const exams = makeExams(EXAMS);
  const resolved = time(() => {
    resolveCalendar(DEFAULT_POLICY, calendarYears(['2027-01-04', '2027-06-30']));
    return 0;
  });
  const calendar = resolveCalendar(DEFAULT_POLICY, calendarYears(['2027-01-04', '2027-06-30']));

  const plan = () => {
    let steps = 0;
    for (const exam of exams) steps += planExam(DEFAULT_POLICY, calendar, exam).steps.length;
    return steps;
  };
  // Baseline: the same number of due dates per exam, with bare luxon arithmetic.
  const offsets = DEFAULT_POLICY.steps.filter((s) => s.anchor !== 'S' && s.anchor !== 'event');
  const baseline = () => {
    let sum = 0;
    for (let e = 0; e < BASELINE_EXAMS; e++) {
      const exam = exams[e];
      for (const step of offsets) {
        const reps = step.anchor === 'Dk' ? exam.days.length : 1;
        for (let k = 0; k < reps; k++) {
          const offset =
            'rule' in step.offset ? { days: 3 } : { [step.offset.unit]: step.offset.value };
          sum += DateTime.fromISO(exam.days[k], { zone }).plus(offset).endOf('day').toMillis() % 7;
        }
      }
    }
    return sum;
  };

  plan();
  baseline(); // warm-up (JIT, caches)
  const planMs: number[] = [];
  const baseMs: number[] = [];
  let steps = 0;
  for (let r = 0; r < RUNS; r++) {
    const p = time(plan);
    steps = p.out;
    planMs.push(p.ms);
    baseMs.push(time(baseline).ms);
  }
  const p = stats(planMs);
  const b = stats(baseMs);
  const rate = (n: number, ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  const f = (ms: number) => ms.toFixed(0).padStart(6);
  const perExam = (n: number, ms: number) => ((ms * 1000) / n).toFixed(1).padStart(6);
  console.log(
    `bench:plan — ${EXAMS.toLocaleString('en-US')} exams, ${steps.toLocaleString('en-US')} planned steps, default policy ${DEFAULT_POLICY.version}`,
  );
  console.log(
    `node ${process.version}, one thread; calendar resolved once in ${resolved.ms.toFixed(1)} ms (date-holidays, 3 years)`,
  );
  console.log('');
  const row = (name: string, n: number, t: { min: number; median: number; max: number }) =>
    console.log(
      `${name.padEnd(34)}${String(n).padStart(7)}  ${f(t.min)}  ${f(t.median)}  ${f(t.max)}  ${perExam(n, t.median)}  ${rate(n, t.median).padStart(9)}`,
    );
  console.log(`${''.padEnd(34)}  exams  min ms  med ms  max ms  µs/exam  exams/s`);
  row('planExam (sop/plan.ts)', EXAMS, p);
  row('baseline (bare luxon, due only)', BASELINE_EXAMS, b);
  console.log('');
  const ratio = p.median / EXAMS / (b.median / BASELINE_EXAMS);
  console.log(`ratio plan / baseline, time per exam (median): ${ratio.toFixed(3)}`);
  const scaled = (p.median * 100_000) / EXAMS;
  console.log(
    `target: 100,000 exams in ≤ ${TARGET_MS} ms — median ${scaled.toFixed(0)} ms: ${scaled <= TARGET_MS ? 'MET' : 'NOT MET'}`,
  );
}

main();
