/**
 * Calendar days, for daily quotas that reset at a fixed midnight rather than refilling
 * continuously (Gemini's requests per day reset at midnight Pacific time): the limiter counts them
 * so when told (`dailyReset`), the mock provider enforces them so. Intl only: runs on edge runtimes.
 */
const DAY_MS = 86_400_000;

/** How a per-day limit comes back: continuously, or all at once at midnight UTC or Pacific time. */
export type DailyReset = 'continuous' | 'midnight-utc' | 'midnight-pacific';

const pacificParts = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });

/** Milliseconds the Pacific clock is ahead of UTC at `wallMs` (negative: -8 h or -7 h). */
function pacificOffsetMs(wallMs: number): number {
  const parts = Object.fromEntries(pacificParts.formatToParts(new Date(wallMs)).map((p) => [p.type, Number(p.value)]));
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return local - Math.floor(wallMs / 1000) * 1000;
}

/** The first midnight after `wallMs` (epoch ms) in the zone of `reset`. */
export function nextMidnight(wallMs: number, reset: Exclude<DailyReset, 'continuous'>): number {
  if (reset === 'midnight-utc') return (Math.floor(wallMs / DAY_MS) + 1) * DAY_MS;
  const offset = pacificOffsetMs(wallMs);
  const localMidnight = (Math.floor((wallMs + offset) / DAY_MS) + 1) * DAY_MS;
  // Daylight saving changes at 2 a.m., so the offset at the coming midnight may differ from now's.
  return localMidnight - pacificOffsetMs(localMidnight - offset);
}
