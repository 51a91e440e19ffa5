// Due instants of scheduled audits (docs/decisions.md#a27): runs start at 00:00 UTC of each due day; the first run
// is the first due instant strictly after creation; BIWEEKLY counts weeks (Monday-based, UTC) from the week of
// creation.
import { DAY_MS } from '../../kernel/clock.js';

const WEEK = 7 * DAY_MS;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export interface Schedule {
  frequency: string;
  day_of_month: string | null;
  day_of_week: string | null;
  created_at: number;
}

const midnight = (t: number) => Math.floor(t / DAY_MS) * DAY_MS;

/** 00:00 UTC of the Monday of t's week. */
function mondayOf(t: number): number {
  const day = midnight(t);
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY_MS;
}

function latestWeekday(now: number, dayOfWeek: string): number {
  const today = midnight(now);
  const back = (new Date(today).getUTCDay() - WEEKDAYS.indexOf(dayOfWeek) + 7) % 7;
  return today - back * DAY_MS;
}

/** The run day of a month: dayOfMonth, falling back to the month's last day; LAST is the last day. */
function monthlyInstant(year: number, month: number, dayOfMonth: string): number {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = dayOfMonth === 'LAST' ? last : Math.min(Number(dayOfMonth), last);
  return Date.UTC(year, month, day);
}

/** The latest due instant at or before `now`, if it is after the schedule's creation. */
export function dueInstant(s: Schedule, now: number): number | undefined {
  let due: number;
  switch (s.frequency) {
    case 'DAILY':
      due = midnight(now);
      break;
    case 'WEEKLY':
      due = latestWeekday(now, s.day_of_week ?? 'SUN');
      break;
    case 'BIWEEKLY': {
      due = latestWeekday(now, s.day_of_week ?? 'SUN');
      const weeks = Math.round((mondayOf(due) - mondayOf(s.created_at)) / WEEK);
      if (Math.abs(weeks) % 2 === 1) due -= WEEK;
      break;
    }
    case 'MONTHLY': {
      const d = new Date(now);
      due = monthlyInstant(d.getUTCFullYear(), d.getUTCMonth(), s.day_of_month ?? '1');
      if (due > now) due = monthlyInstant(d.getUTCFullYear(), d.getUTCMonth() - 1, s.day_of_month ?? '1');
      break;
    }
    default:
      return undefined;
  }
  return due > s.created_at ? due : undefined;
}
