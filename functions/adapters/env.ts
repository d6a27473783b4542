/** Lambda configuration from the environment, checked: a missing or bad value names the variable. */
import { SEVERITIES, type Severity } from '../core/common/types';

export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

/** `critical,high` -> those severities; unset or empty -> all (undefined). */
export function severitiesFromEnv(name: string): Severity[] | undefined {
  const list = (process.env[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = list.filter((s) => !(SEVERITIES as readonly string[]).includes(s));
  if (bad.length > 0) throw new Error(`environment variable ${name}: unknown severities ${bad.join(', ')}`);
  return list.length > 0 ? (list as Severity[]) : undefined;
}
