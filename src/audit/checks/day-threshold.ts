// A threshold in days set through a check's configuration map (the certificate expiry and age checks): validated
// when the account's audit configuration is updated, read by the check when it runs.
import type { ConfigurationKey } from './check.js';

const MIN_DAYS = 30;
const MAX_DAYS = 3652;

export interface DayThreshold extends ConfigurationKey {
  /** The configured number of days, or the default when none is set. */
  read(configuration: Record<string, string>): number;
}

export function dayThreshold(name: string, defaultDays: number): DayThreshold {
  return {
    name,
    problem(value) {
      const days = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
      if (days >= MIN_DAYS && days <= MAX_DAYS) return undefined;
      return `must be a whole number of days from ${MIN_DAYS} to ${MAX_DAYS}, not ${value}`;
    },
    read(configuration) {
      // The configuration API validated the value, so one that is not a number falls back to the default.
      const raw = configuration[name];
      return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : defaultDays;
    },
  };
}
