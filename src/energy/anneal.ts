// Temperatures of stochastic units: p(on) = 1 / (1 + exp(−ΔE / T)), so T → 0
// is the deterministic Hopfield update and T → ∞ a fair coin. Simulated
// annealing (Kirkpatrick, Gelatt & Vecchi 1983) lowers T along a schedule so
// the chains settle into low-energy states (Ackley, Hinton & Sejnowski 1985).
import { ValueError, checkInt, describe } from '../errors.js';
import { checkFiniteF32 } from '../util/finite.js';

/** Returns `t` when it is a number > 0 finite as float32; else a ValueError names op and the value. */
export function checkTemperature(op: string, t: unknown): number {
  return checkFiniteF32(op, 'temperature', t, { min: 0, minExclusive: true });
}

/** Expands a schedule (temperatures, or { from, to, steps, kind: 'geometric' | 'linear' }) into its temperatures, each checked. */
export function temperatureSchedule(op: string, schedule: unknown): number[] {
  if (Array.isArray(schedule)) {
    if (schedule.length === 0) throw new ValueError(`${op}: schedule must hold at least one temperature`);
    return schedule.map((t, i) => checkTemperature(`${op} (schedule[${i}])`, t));
  }
  if (schedule === null || typeof schedule !== 'object') {
    throw new ValueError(`${op}: schedule must be an array of temperatures or { from, to, steps }, got ${describe(schedule)}`);
  }
  const s = schedule as { from?: unknown; to?: unknown; steps?: unknown; kind?: unknown };
  const from = checkTemperature(`${op} (schedule.from)`, s.from);
  const to = checkTemperature(`${op} (schedule.to)`, s.to);
  const steps = checkInt(op, 'schedule.steps', s.steps, 1, 1 << 24);
  const kind = s.kind ?? 'geometric';
  if (kind !== 'geometric' && kind !== 'linear') throw new ValueError(`${op}: schedule.kind must be 'geometric' or 'linear', got ${describe(kind)}`);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const u = steps === 1 ? 1 : i / (steps - 1);
    out.push(kind === 'geometric' ? from * (to / from) ** u : from + (to - from) * u);
  }
  return out;
}
