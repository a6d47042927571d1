import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { fail, ok, type Result } from '../errors.js';

export interface WindowRule {
  readonly kind: 'allow' | 'deny';
  /** Five or six cron fields, evaluated in UTC: when the window opens. */
  readonly cron: string;
  readonly durationMinutes: number;
}

/** The cron expression from `currentDate` on, in UTC; the parser's own error when it is not one. */
export function parseCron(expression: string, currentDate: Date): Result<CronExpression, Error> {
  try {
    return ok(CronExpressionParser.parse(expression, { currentDate, tz: 'UTC', strict: false }));
  } catch (error) {
    return fail(error instanceof Error ? error : new Error(String(error)));
  }
}

/** Whether `now` falls in a window that opens at each cron time and lasts `durationMinutes`. */
function inWindow(rule: WindowRule, now: Date): boolean {
  // Start just after now, so a window opening at exactly `now` counts as open;
  // cron works in whole seconds, so step back past any opening still ahead of now.
  const parsed = parseCron(rule.cron, new Date(now.getTime() + 1000));
  if (!parsed.ok) return false;
  let opened = parsed.value.prev().getTime();
  while (opened > now.getTime()) opened = parsed.value.prev().getTime();
  return now.getTime() < opened + rule.durationMinutes * 60_000;
}

/**
 * Change windows: a deny window always wins; when allow windows exist,
 * changes happen only inside one of them; with no windows, always.
 */
export class ChangeWindows {
  constructor(private readonly rules: readonly WindowRule[]) {}

  /** undefined when a change may happen now, else why not. */
  blocked(now: Date): string | undefined {
    const deny = this.rules.find((r) => r.kind === 'deny' && inWindow(r, now));
    if (deny) return `inside the deny window "${deny.cron}" (${deny.durationMinutes} min)`;
    const allows = this.rules.filter((r) => r.kind === 'allow');
    if (allows.length > 0 && !allows.some((r) => inWindow(r, now))) return `outside every allow window (${allows.map((r) => `"${r.cron}"`).join(', ')})`;
    return undefined;
  }
}
