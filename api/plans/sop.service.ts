import { calendarYears, type WorkingCalendar } from '../../sop/calendar';
import { resolveCalendar } from '../../sop/holidays';
import type { Policy } from '../../sop/policy';

/**
 * The policy in force and the working-day calendars resolved from it: the holiday library runs
 * here, in the API, never in a workflow (which receives the resolved calendar as data).
 */
export class SopService {
  private readonly calendars = new Map<string, WorkingCalendar>();

  constructor(readonly policy: Policy) {}

  /** The calendar covering plans around these dates (their years and the years either side). */
  calendarFor(dates: string[]): WorkingCalendar {
    const years = calendarYears(dates);
    const key = years.join(',');
    let calendar = this.calendars.get(key);
    if (calendar === undefined) {
      calendar = resolveCalendar(this.policy, years);
      if (this.calendars.size > 64) this.calendars.clear();
      this.calendars.set(key, calendar);
    }
    return calendar;
  }
}
