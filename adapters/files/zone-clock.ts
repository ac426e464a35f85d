// Converts wall-clock times in an IANA time zone to UTC, using the runtime's ICU data
// through Intl (no hand-written tz tables). Handles DST both ways:
// - a wall time that occurs twice (clocks go back) resolves to the EARLIER instant,
//   like Temporal's 'compatible' disambiguation;
// - a wall time that never occurs (clocks go forward) is reported as nonexistent.

import { daysFromCivil } from './civil-days.js';

/** Thrown for a `timezone` that is not an IANA zone name the runtime knows. */
export class UnknownTimeZoneError extends Error {
  constructor(readonly timeZone: string) {
    super(`\`timezone\` must be an IANA time zone name such as America/New_York, was '${timeZone}'`);
    this.name = 'UnknownTimeZoneError';
  }
}

/** Result of placing a wall time in a zone: UTC seconds, or null when the wall time is skipped by DST. */
export type ZonedSeconds = number | null;

/** Maps wall-clock seconds in one zone to UTC seconds. */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    try {
      this.format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new UnknownTimeZoneError(timeZone);
    }
  }

  /** Offset east of UTC, in seconds, in force at the UTC instant `utcSeconds`. */
  offsetAt(utcSeconds: number): number {
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.format.formatToParts(utcSeconds * 1000)) {
      switch (part.type) {
        case 'year': year = Number(part.value); break;
        case 'month': month = Number(part.value); break;
        case 'day': day = Number(part.value); break;
        case 'hour': hour = Number(part.value); break;
        case 'minute': minute = Number(part.value); break;
        case 'second': second = Number(part.value); break;
        case 'era': bc = part.value === 'BC'; break;
        default: break;
      }
    }
    if (bc) year = 1 - year;
    const wallSeconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    return wallSeconds - utcSeconds;
  }

  /**
   * The UTC seconds at which the zone's clocks read `wallSeconds` (wall time counted as
   * if it were UTC). Earlier instant when ambiguous; null when the wall time does not exist.
   */
  toUtcSeconds(wallSeconds: number): ZonedSeconds {
    const before = this.offsetAt(wallSeconds - 86_400);
    const after = this.offsetAt(wallSeconds + 86_400);
    if (before === after && this.offsetAt(wallSeconds - before) === before) return wallSeconds - before;
    let best: number | null = null;
    for (const offset of [before, after, this.offsetAt(wallSeconds)]) {
      const candidate = wallSeconds - offset;
      if (this.offsetAt(candidate) === offset && (best === null || candidate < best)) best = candidate;
    }
    return best;
  }
}
